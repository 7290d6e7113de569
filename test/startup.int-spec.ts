import { spawn, type ChildProcess } from 'node:child_process';
import { X509Certificate, createPrivateKey, createPublicKey } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { dropDatabase } from '@shop/persistence';
import { generateAlipayKeys } from '@shop/provider-simulators';
import { ensureDebianPackage, eventually, freePort, testBrokers, testDatabaseConfig, uniqueName } from '@shop/testing';
import { callDevEnv, callScriptLibSync } from './startup-dev-env';

// These specs run the compiled services and `npm start`'s script as a user would (npm test builds first).
const ROOT = path.resolve(__dirname, '..');
const NODE = process.execPath;

type Env = Record<string, string>;
/** secrets.json: the JWT key and one section of throwaway credentials per provider. */
interface DevSecrets {
  jwtSecret: string;
  alipay: Env;
  wechatpay: Env;
  unionpay: Env;
  stripe: Env;
}
interface SimulatorPlan {
  name: string;
  entry: string;
  url: string;
  readyPath: string;
  env: Env;
}

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function run(args: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(NODE, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`timed out: ${args.join(' ')}\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function processesWithEnv(marker: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/environ`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const PREFIXES = ['API_GATEWAY', 'NOTIFICATION_INGEST', 'ORDER_SERVICE', 'PAYMENT_GATEWAY', 'LEDGER_SERVICE'];
const PROVIDERS = ['alipay', 'wechatpay', 'unionpay', 'stripe'];
const SIMULATORS = PROVIDERS.map((provider) => `${provider}-simulator`);

/** Simulator ports of its own, so a developer's running system never interferes. */
async function simulatorPorts(): Promise<Record<string, string>> {
  const env: Record<string, string> = {};
  for (const provider of PROVIDERS) env[`${provider.toUpperCase()}_SIM_PORT`] = String(await freePort());
  return env;
}

/** Ports of its own for every process `npm start` runs, so a developer's running system never interferes. */
async function ownPorts(): Promise<Record<string, string>> {
  const env = await simulatorPorts();
  for (const prefix of PREFIXES) env[`${prefix}_PORT`] = String(await freePort());
  return env;
}

/** Waits until a process exits; SIGKILLs it after `timeoutMs`. */
function exitOf(child: ChildProcess, timeoutMs = 10_000): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
  });
}

describe("npm start's local secrets (scripts/lib/dev-env.mjs)", () => {
  const dir = path.join(ROOT, 'tmp', uniqueName('secrets'));
  const file = path.join(dir, 'secrets.json');
  let secrets: DevSecrets;
  let alipay: Env;

  beforeAll(async () => {
    // A file as the version before WeChat Pay, UnionPay and Stripe wrote it, left group-readable.
    const keys = await generateAlipayKeys();
    alipay = {
      appId: '2021000100000001',
      sellerId: '2088000100000001',
      appPrivateKey: keys.app.privateKeyPkcs1Base64,
      appPublicKey: keys.app.publicKeyBase64,
      alipayPrivateKey: keys.alipay.privateKeyPem,
      alipayPublicKey: keys.alipay.publicKeyBase64,
    };
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(file, JSON.stringify({ jwtSecret: 'k'.repeat(64), alipay }), { mode: 0o640 });
    secrets = await callDevEnv<DevSecrets>('loadDevSecrets', ROOT, file);
  });

  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('adds the new providers to an older file, keeps what it had, and leaves it readable by its owner only', () => {
    const stored = JSON.parse(fs.readFileSync(file, 'utf8'));
    expect(stored).toEqual(secrets);
    expect(stored.jwtSecret).toBe('k'.repeat(64));
    expect(stored.alipay).toEqual(alipay);
    expect(Object.keys(stored).sort()).toEqual([
      'alipay',
      'internalToken',
      'jwtSecret',
      'stripe',
      'unionpay',
      'wechatpay',
    ]);
    expect(stored.internalToken).toMatch(/^[0-9a-f]{64}$/);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
  });

  it('generates usable throwaway credentials in the formats the providers hand out', () => {
    const { wechatpay, unionpay, stripe } = secrets;
    expect(wechatpay.apiV3Key).toMatch(/^[\x21-\x7e]{32}$/);
    expect(wechatpay.merchantCertSerial).toMatch(/^[0-9A-F]{40}$/);
    expect(wechatpay.publicKeyId).toMatch(/^PUB_KEY_ID_\d+$/);
    expect(
      createPublicKey(createPrivateKey(wechatpay.merchantPrivateKey)).export({ format: 'pem', type: 'spki' }),
    ).toBe(wechatpay.merchantPublicKey);
    expect(
      createPublicKey(createPrivateKey(wechatpay.platformPrivateKey)).export({ format: 'pem', type: 'spki' }),
    ).toBe(wechatpay.platformPublicKey);
    expect(unionpay.merId).toMatch(/^[0-9A-Za-z]{15}$/);
    const [root, middle, sign, merchant] = [
      unionpay.rootCert,
      unionpay.middleCert,
      unionpay.signCert,
      unionpay.merchantCert,
    ].map((pem: string) => new X509Certificate(pem));
    expect(middle.checkIssued(root) && sign.checkIssued(middle) && merchant.checkIssued(middle)).toBe(true);
    expect(sign.subject).toContain('中国银联股份有限公司');
    expect(BigInt(`0x${merchant.serialNumber}`).toString(10)).toBe(unionpay.merchantCertId);
    expect(merchant.checkPrivateKey(createPrivateKey(unionpay.merchantPrivateKey))).toBe(true);
    expect(sign.checkPrivateKey(createPrivateKey(unionpay.signPrivateKey))).toBe(true);
    expect(stripe.secretKey).toMatch(/^sk_test_[A-Za-z0-9]+$/);
    expect(stripe.webhookSecret).toMatch(/^whsec_[A-Za-z0-9]+$/);
  });

  it('generates once: a complete file is read back unchanged', async () => {
    const before = fs.readFileSync(file, 'utf8');
    const mtime = fs.statSync(file).mtimeMs;
    expect(await callDevEnv<DevSecrets>('loadDevSecrets', ROOT, file)).toEqual(secrets);
    expect(fs.readFileSync(file, 'utf8')).toBe(before);
    expect(fs.statSync(file).mtimeMs).toBe(mtime);
  });

  it('starts all four simulator processes with them until ready, each stopping cleanly on SIGTERM', async () => {
    const dev = await callDevEnv<{ simulators: SimulatorPlan[] }>('devEnvironment', await simulatorPorts(), secrets, {
      notificationIngest: '3001',
    });
    expect(dev.simulators.map((s: { name: string }) => s.name)).toEqual(SIMULATORS);
    const running = dev.simulators.map((simulator) => {
      const child = spawn(NODE, [path.join(ROOT, simulator.entry)], {
        cwd: ROOT,
        env: { PATH: process.env.PATH, ...simulator.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      return { simulator, child, output: () => output };
    });
    try {
      for (const { simulator, output } of running) {
        await eventually(
          async () => {
            const answer = await fetch(`${simulator.url}${simulator.readyPath}`).catch(() => undefined);
            return answer?.status === 200 ? true : undefined;
          },
          { timeoutMs: 15_000, message: `${simulator.name} ready; its output:\n${output()}` },
        );
      }
    } finally {
      for (const { child } of running) child.kill('SIGTERM');
    }
    expect(await Promise.all(running.map(({ child }: { child: ChildProcess }) => exitOf(child)))).toEqual([0, 0, 0, 0]);
    const logged = running.map(({ output }: { output: () => string }) => output()).join('\n');
    expect(logged).toContain('wechatpay-simulator listening');
    for (const value of [secrets.wechatpay.apiV3Key, secrets.stripe.secretKey, secrets.stripe.webhookSecret]) {
      expect(logged).not.toContain(value);
    }
  });
});

describe('a service process at start', () => {
  const main = path.join(ROOT, 'dist/apps/order-service/src/main.js');

  it('refuses bad configuration with one message naming every bad variable, and exits 1', async () => {
    const result = await run([main], { PORT: 'http', DB_PORT: '-1', KAFKA_BROKERS: 'nohostport', LOG_LEVEL: 'loud' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('order-service: invalid configuration');
    for (const name of ['PORT', 'DB_PORT', 'KAFKA_BROKERS', 'LOG_LEVEL']) expect(result.stderr).toContain(`${name}:`);
  });

  it('says that PostgreSQL is unreachable, and how to fix it, and exits 1', async () => {
    const port = await freePort();
    const result = await run([main], { DB_PORT: String(port), PORT: String(await freePort()), LOG_LEVEL: 'silent' });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`PostgreSQL is not reachable at 127.0.0.1:${port}`);
    expect(result.stderr).toContain('pg_ctlcluster');
  });
});

describe('npm start (scripts/start.mjs)', () => {
  const names = ['api-gateway', 'notification-ingest', 'order-service', 'payment-gateway', 'ledger-service'];
  const prefixes = ['API_GATEWAY', 'NOTIFICATION_INGEST', 'ORDER_SERVICE', 'PAYMENT_GATEWAY', 'LEDGER_SERVICE'];
  const marker = uniqueName('start');
  const databases = names.map((n) => `${marker}_${n.replace(/-/g, '_')}`.slice(0, 63));
  let child: ChildProcess | undefined;

  afterAll(async () => {
    // If the test failed half-way, take down the whole process group, not just the script (no orphans).
    if (child?.pid && child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
    for (const db of databases) await dropDatabase(testDatabaseConfig(db), db);
    fs.rmSync(path.join(ROOT, 'tmp', marker), { recursive: true, force: true });
  });

  it('starts all five services and the four simulators until ready, prints tokens, and Ctrl-C stops every process it started', async () => {
    // The services run on jemalloc as in the image (scripts/lib/allocator.mjs): installed here when missing.
    const findJemalloc = () => callScriptLibSync<string | null>('allocator.mjs', 'findJemalloc');
    ensureDebianPackage('libjemalloc2', () => findJemalloc() !== null);
    const jemalloc = findJemalloc();
    const ports = await Promise.all(names.map(() => freePort()));
    const simulated = await simulatorPorts();
    const env: Record<string, string> = {
      KAFKA_BROKERS: testBrokers(),
      KAFKA_TOPIC_PREFIX: marker,
      LOG_LEVEL: 'warn',
      ...simulated,
      START_LOG_DIR: path.join(ROOT, 'tmp', marker),
    };
    prefixes.forEach((prefix, i) => {
      env[`${prefix}_PORT`] = String(ports[i]);
      env[`${prefix}_DB_NAME`] = databases[i];
    });
    const started = spawn(NODE, ['scripts/start.mjs'], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child = started;
    let output = '';
    started.stdout.on('data', (d: Buffer) => (output += d.toString()));
    started.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => started.on('exit', (code) => resolve(code)));

    // The output is read when it fails, not when the wait starts: what it printed is what explains a timeout.
    await eventually(
      async () => {
        if (started.exitCode !== null) throw new Error(`npm start exited with ${started.exitCode}`);
        return output.includes('All services ready') ? true : undefined;
      },
      {
        timeoutMs: 120_000,
        message: 'all services ready',
      },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; output so far:\n${output}`);
    });
    names.forEach((name, i) =>
      expect(output).toMatch(new RegExp(`${name}\\s+http://127\\.0\\.0\\.1:${ports[i]}\\s+ready`)),
    );
    for (const port of ports) {
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(response.status).toBe(200);
    }
    // One start line and one ready line per simulator, and every provider enabled with its simulator.
    for (const provider of PROVIDERS) {
      const port = simulated[`${provider.toUpperCase()}_SIM_PORT`];
      expect(output).toContain(`starting ${provider}-simulator on port ${port}`);
      expect(output).toMatch(new RegExp(`${provider}-simulator\\s+http://127\\.0\\.0\\.1:${port}\\s+ready`));
      expect(output).toMatch(new RegExp(`\\n  ${provider}\\s+simulator at http://127\\.0\\.0\\.1:${port}\\n`));
    }
    // The printed tokens work against the gateway it started.
    const customer = /customer: (\S+)/.exec(output)?.[1];
    const admin = /admin: {4}(\S+)/.exec(output)?.[1];
    const orders = await fetch(`http://127.0.0.1:${ports[0]}/api/v1/orders`, {
      headers: { authorization: `Bearer ${customer}` },
    });
    expect(orders.status).toBe(200);
    const adminOnCustomerRoute = await fetch(`http://127.0.0.1:${ports[0]}/api/v1/orders`, {
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(adminOnCustomerRoute.status).toBe(403);
    // The console and checkout URLs are printed; the console is served, knows the simulators and offers the
    // development sign-in.
    expect(output).toContain(`open http://127.0.0.1:${ports[0]}/console   (the console`);
    expect(output).toContain(`open http://127.0.0.1:${ports[0]}/console/checkout/<orderNo>`);
    const page = await fetch(`http://127.0.0.1:${ports[0]}/console/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="root">');
    const settings = await fetch(`http://127.0.0.1:${ports[0]}/console/settings.json`);
    expect(await settings.json()).toEqual({ devSignIn: true, simulators: [...PROVIDERS] });
    expect(processesWithEnv(marker).length).toBe(10); // the script, its five services and four simulators
    const services = processesWithEnv(marker).filter((pid) =>
      fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('/dist/apps/'),
    );
    expect(services).toHaveLength(5);
    expect(output).toContain(`services use jemalloc (${jemalloc})`);
    for (const pid of services) expect(fs.readFileSync(`/proc/${pid}/maps`, 'utf8')).toContain(`${jemalloc}\n`);

    started.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('Stopped.');
    expect(processesWithEnv(marker)).toEqual([]);
    for (const port of [...ports, ...Object.values(simulated)])
      await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow('fetch failed');
  }, 180_000);

  it('exits non-zero with a clear message when PostgreSQL is unreachable', async () => {
    const result = await run(['scripts/start.mjs'], {
      ...(await ownPorts()),
      DB_PORT: String(await freePort()),
      KAFKA_BROKERS: testBrokers(),
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('PostgreSQL is not reachable');
  });
});

describe('npm start with its ports taken', () => {
  it('refuses to start and names the taken port', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const { port } = blocker.address() as net.AddressInfo;
    try {
      const result = await run(['scripts/start.mjs'], {
        ...(await ownPorts()),
        ORDER_SERVICE_PORT: String(port),
        KAFKA_BROKERS: testBrokers(),
      });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`Ports already in use: order-service (${port})`);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it("names a simulator's taken port, and checks none for a provider configured in the environment", async () => {
    const blockers = [net.createServer(), net.createServer()];
    for (const blocker of blockers) await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const [wechatPort, stripePort] = blockers.map((b) => (b.address() as net.AddressInfo).port);
    try {
      const result = await run(['scripts/start.mjs'], {
        ...(await ownPorts()),
        WECHATPAY_SIM_PORT: String(wechatPort),
        STRIPE_SIM_PORT: String(stripePort),
        STRIPE_SECRET_KEY: 'sk_test_configuredElsewhere',
        KAFKA_BROKERS: testBrokers(),
      });
      expect(result.code).toBe(1);
      expect(result.stdout).toContain(`Ports already in use: wechatpay-simulator (${wechatPort}).`);
      expect(result.stdout).not.toContain('stripe-simulator');
    } finally {
      for (const blocker of blockers) await new Promise((resolve) => blocker.close(resolve));
    }
  });
});
