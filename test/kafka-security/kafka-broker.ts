// A throwaway Kafka broker with a SASL_SSL listener, as managed Kafka services offer it: a CA and a server
// certificate made here with openssl, SCRAM-SHA-256/512 and PLAIN users with generated passwords. The broker runs
// on its own ports and data dir, started and stopped through scripts/lib/kafka-local.mjs in child processes (an ES
// module that Jest would link into one spec's context only).
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { freePort } from '@shop/testing';

const KAFKA_LOCAL = pathToFileURL(path.resolve(__dirname, '../../scripts/lib/kafka-local.mjs')).href;

export interface SecureBroker {
  /** host:port of the SASL_SSL listener (the certificate names localhost). */
  brokers: string;
  caFile: string;
  users: {
    'scram-sha-512': { username: string; password: string };
    'scram-sha-256': { username: string; password: string };
    plain: { username: string; password: string };
  };
  stop(): Promise<void>;
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' });
}

/** A CA and a certificate for localhost/127.0.0.1 signed by it; the keystore holds key and chain as PEM. */
function makeCertificates(dir: string): { caFile: string; keystoreFile: string } {
  openssl(
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'ca.key',
      '-out',
      'ca.pem',
      '-days',
      '2',
      '-subj',
      '/CN=shop-test-kafka-ca',
    ],
    dir,
  );
  openssl(
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'broker.key', '-out', 'broker.csr', '-subj', '/CN=localhost'],
    dir,
  );
  fs.writeFileSync(path.join(dir, 'broker.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
  openssl(
    [
      'x509',
      '-req',
      '-in',
      'broker.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'broker.pem',
      '-days',
      '2',
      '-extfile',
      'broker.ext',
    ],
    dir,
  );
  // openssl 3 writes unencrypted PKCS#8 ("BEGIN PRIVATE KEY"), the form Kafka's PEM keystore reads.
  const keystoreFile = path.join(dir, 'broker-keystore.pem');
  fs.writeFileSync(
    keystoreFile,
    fs.readFileSync(path.join(dir, 'broker.key'), 'utf8') + fs.readFileSync(path.join(dir, 'broker.pem'), 'utf8'),
  );
  return { caFile: path.join(dir, 'ca.pem'), keystoreFile };
}

function runModule(script: string, args: unknown): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import * as kafka from ${JSON.stringify(KAFKA_LOCAL)};\n${script}`,
        '--',
        JSON.stringify(args),
      ],
      { timeout: 240_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => (error ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
    );
  });
}

function canListen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** A free port whose neighbour is free too: the broker's PLAINTEXT port and its controller port (port + 1). */
async function brokerPort(): Promise<number> {
  for (;;) {
    const port = await freePort();
    if (await canListen(port + 1)) return port;
  }
}

export async function startSecureBroker(): Promise<SecureBroker> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shop-kafka-sasl-'));
  const { caFile, keystoreFile } = makeCertificates(dir);
  const secret = () => randomBytes(12).toString('hex');
  const users = {
    'scram-sha-512': { username: 'svc512', password: secret() },
    'scram-sha-256': { username: 'svc256', password: secret() },
    plain: { username: 'svcplain', password: secret() },
  };
  const port = await brokerPort();
  const saslPort = await freePort();
  const options = {
    port,
    dataDir: path.join(dir, 'data'),
    saslSsl: {
      port: saslPort,
      keystoreFile,
      scramUsers: [
        { mechanism: 'SCRAM-SHA-512', ...users['scram-sha-512'] },
        { mechanism: 'SCRAM-SHA-256', ...users['scram-sha-256'] },
      ],
      plainUsers: { [users.plain.username]: users.plain.password },
    },
  };
  const out = await runModule(
    `const o = JSON.parse(process.argv[1]);
     const r = await kafka.ensureKafka({ ...o, log: (l) => process.stderr.write(l + '\\n') });
     process.stdout.write(JSON.stringify(r));`,
    options,
  );
  const { pid, startedByUs } = JSON.parse(out) as { pid: number; startedByUs: boolean };
  if (!startedByUs) throw new Error(`a broker already answered on port ${port}`);
  return {
    brokers: `localhost:${saslPort}`,
    caFile,
    users,
    stop: async () => {
      await runModule(`const o = JSON.parse(process.argv[1]); await kafka.stopKafka(o);`, { pid, port }).catch(
        () => undefined,
      );
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
