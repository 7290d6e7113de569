import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { dropDatabase } from '@shop/persistence';
import { eventually, testBrokers, testDatabaseConfig, uniqueName } from '@shop/testing';

// These specs run the compiled services and `npm start`'s script as a user would (npm test builds first).
const ROOT = path.resolve(__dirname, '..');
const NODE = process.execPath;

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

async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
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

/** Ports of its own for every process `npm start` runs, so a developer's running system never interferes. */
async function ownPorts(): Promise<Record<string, string>> {
  const env: Record<string, string> = { ALIPAY_SIM_PORT: String(await freePort()) };
  for (const prefix of PREFIXES) env[`${prefix}_PORT`] = String(await freePort());
  return env;
}

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

  it('starts all five services and the simulator until ready, prints tokens, and Ctrl-C stops every process it started', async () => {
    const ports = await Promise.all(names.map(() => freePort()));
    const env: Record<string, string> = {
      KAFKA_BROKERS: testBrokers(),
      KAFKA_TOPIC_PREFIX: marker,
      LOG_LEVEL: 'warn',
      ALIPAY_SIM_PORT: String(await freePort()),
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

    await eventually(async () => (output.includes('All services ready') ? true : undefined), {
      timeoutMs: 90_000,
      message: `all services ready; output so far:\n${output}`,
    });
    names.forEach((name, i) =>
      expect(output).toMatch(new RegExp(`${name}\\s+http://127\\.0\\.0\\.1:${ports[i]}\\s+ready`)),
    );
    for (const port of ports) {
      const response = await fetch(`http://127.0.0.1:${port}/health/ready`);
      expect(response.status).toBe(200);
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
    expect(processesWithEnv(marker).length).toBe(7); // the script, its five services and the Alipay simulator

    started.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output).toContain('Stopped.');
    expect(processesWithEnv(marker)).toEqual([]);
    for (const port of ports)
      await expect(fetch(`http://127.0.0.1:${port}/health/live`)).rejects.toThrow('fetch failed');
  }, 120_000);

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
});
