// How a service listens, as Kubernetes runs it: health and metrics on MANAGEMENT_PORT and nowhere on the public
// port, however the path is spelled; and HTTPS in the process when TLS_CERT_FILE/TLS_KEY_FILE are set, with
// plain HTTP refused on that port.
import 'reflect-metadata';
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { listenService } from '@shop/runtime';
import { freePort, startServiceForTest, type RunningService } from '@shop/testing';
import type { LedgerServiceConfig } from '../../apps/ledger-service/src/ledger-service.config';
import { service as ledgerService } from '../../apps/ledger-service/src/service';

/** Sends one raw HTTP/1.1 request (any request target, exactly as written) and returns status line and body. */
function rawRequest(port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: '127.0.0.1', port }, () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => (data += chunk));
    socket.on('error', reject);
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
  });
}

describe('the management listener', () => {
  let ledger: RunningService<LedgerServiceConfig>;
  let port: number;
  let managementPort: number;

  beforeAll(async () => {
    port = await freePort();
    managementPort = await freePort();
    ledger = await startServiceForTest(ledgerService, {
      HOST: '127.0.0.1',
      PORT: String(port),
      MANAGEMENT_PORT: String(managementPort),
    });
    const urls = await listenService(ledger.app, ledger.config);
    expect(urls).toEqual({ url: `http://127.0.0.1:${port}`, managementUrl: `http://127.0.0.1:${managementPort}` });
  });

  afterAll(async () => {
    await ledger?.stop();
  });

  it('serves liveness, readiness and metrics on MANAGEMENT_PORT', async () => {
    const live = await fetch(`http://127.0.0.1:${managementPort}/health/live`);
    expect(live.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${managementPort}/health/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ok', checks: { database: 'up' } });
    const metrics = await fetch(`http://127.0.0.1:${managementPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(await metrics.text()).toContain('http_requests_total');
  });

  it('serves nothing else there: no public or internal route is reachable on the management port', async () => {
    for (const target of ['/internal/v1/journal/transactions', '/', '/health']) {
      const { status } = await rawRequest(managementPort, target);
      expect({ target, status }).toEqual({ target, status: 404 });
    }
  });

  it('answers 404 on the public port for every spelling of the health and metrics paths', async () => {
    const spellings = [
      '/metrics',
      '/metrics/',
      '//metrics',
      '/METRICS',
      '/%6detrics',
      '/metrics?format=text',
      '/metrics#x',
      '/./metrics',
      '/health/ready',
      '/health/live',
      '/health//ready',
      '/health/ready/',
      '/health/%72eady',
      '/HEALTH/READY',
      '/health/ready;x',
      `http://127.0.0.1:${port}/metrics`,
      `http://127.0.0.1:${port}/health/ready`,
    ];
    for (const target of spellings) {
      const { status, body } = await rawRequest(port, target);
      // Whatever the spelling, never an answer from the health or metrics handlers.
      expect({ target, status, leaked: /http_requests_total|"checks"|"status":"ok"/.test(body) }).toEqual({
        target,
        status: expect.any(Number),
        leaked: false,
      });
      expect(status).toBeGreaterThanOrEqual(400);
    }
  });
});

describe('HTTPS in the process', () => {
  let dir: string;
  let ca: Buffer;
  let ledger: RunningService<LedgerServiceConfig>;
  let port: number;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shop-tls-'));
    const openssl = (args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
    openssl([
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
      '/CN=shop-test-ca',
    ]);
    openssl([
      'req',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-keyout',
      'tls.key',
      '-out',
      'tls.csr',
      '-subj',
      '/CN=localhost',
    ]);
    fs.writeFileSync(path.join(dir, 'tls.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\n');
    openssl([
      'x509',
      '-req',
      '-in',
      'tls.csr',
      '-CA',
      'ca.pem',
      '-CAkey',
      'ca.key',
      '-CAcreateserial',
      '-out',
      'tls.pem',
      '-days',
      '2',
      '-extfile',
      'tls.ext',
    ]);
    ca = fs.readFileSync(path.join(dir, 'ca.pem'));
    port = await freePort();
    ledger = await startServiceForTest(ledgerService, {
      HOST: '127.0.0.1',
      PORT: String(port),
      TLS_CERT_FILE: path.join(dir, 'tls.pem'),
      TLS_KEY_FILE: path.join(dir, 'tls.key'),
    });
    const { url } = await listenService(ledger.app, ledger.config);
    expect(url).toBe(`https://127.0.0.1:${port}`);
  });

  afterAll(async () => {
    await ledger?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('answers over HTTPS with the configured certificate', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, path: '/health/live', ca, servername: 'localhost' }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    expect(status).toBe(200);
  });

  it('refuses plain HTTP on that port: no HTTP answer at all', async () => {
    const outcome = await new Promise<string>((resolve) => {
      http
        .get({ host: '127.0.0.1', port, path: '/health/live', timeout: 5000 }, (res) => {
          res.resume();
          resolve(`answered ${res.statusCode}`);
        })
        .on('timeout', () => resolve('timeout'))
        .on('error', (error: NodeJS.ErrnoException) => resolve(`refused: ${error.code ?? error.message}`));
    });
    expect(outcome).toMatch(/^refused: /);
  });

  it('refuses a half-configured TLS at start, naming both variables', async () => {
    await expect(startServiceForTest(ledgerService, { TLS_CERT_FILE: path.join(dir, 'tls.pem') })).rejects.toThrow(
      /TLS_KEY_FILE must name a readable PEM file/,
    );
  });
});
