import { randomBytes } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { dropDatabase } from '@shop/persistence';
import { freePort } from './ports';
import { testBrokers } from './kafka';
import { uniqueName } from './names';
import { testDatabaseConfig } from './postgres';

/** The five services, as `npm start` runs them. */
export const SERVICE_NAMES = [
  'api-gateway',
  'notification-ingest',
  'order-service',
  'payment-gateway',
  'ledger-service',
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

const ROOT = path.resolve(__dirname, '../../..');

/** A running process of one service. */
interface ServiceProcess {
  name: ServiceName;
  url: string;
  env: NodeJS.ProcessEnv;
  child: ChildProcess;
  logFile: string;
}

/** The whole system as separate processes on their own ports, databases and topic prefix. */
export interface RunningSystem {
  urls: Record<ServiceName, string>;
  /** The KAFKA_TOPIC_PREFIX of this system's topics. */
  topicPrefix: string;
  /** Each service's database name. */
  databases: Record<ServiceName, string>;
  /** The process id of a running service. */
  pid(name: ServiceName): number;
  /** Kills one service the hard way (default SIGKILL): no shutdown hook runs. */
  kill(name: ServiceName, signal?: NodeJS.Signals): Promise<void>;
  /** Starts a stopped service again with the same configuration, and waits until it is ready. */
  restart(name: ServiceName): Promise<void>;
  /** The last lines a service logged, for failure messages. */
  logTail(name: ServiceName, lines?: number): string;
  /** Every line a service logged, parsed (lines that are not JSON are left out). */
  logLines(name: ServiceName): Record<string, unknown>[];
  stop(): Promise<void>;
}

async function waitReady(process: ServiceProcess, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (process.child.exitCode !== null) {
      throw new Error(`${process.name} exited with ${process.child.exitCode}:\n${tail(process.logFile, 20)}`);
    }
    try {
      const response = await fetch(`${process.url}/health/ready`, { signal: AbortSignal.timeout(1000) });
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${process.name} not ready after ${timeoutMs} ms:\n${tail(process.logFile, 20)}`);
}

function tail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

function spawnService(service: Omit<ServiceProcess, 'child'>): ServiceProcess {
  const out = fs.openSync(service.logFile, 'a');
  const child = spawn(process.execPath, [path.join(ROOT, `dist/apps/${service.name}/main.cjs`)], {
    cwd: ROOT,
    env: service.env,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  return { ...service, child };
}

/**
 * Starts the compiled services (npm test builds them first) as separate processes against the real Kafka and
 * PostgreSQL, each on a free port with its own database, all on a fresh topic prefix. `env` is passed to every
 * service (provider keys, JWT_SECRET, ...); CALLBACK_BASE_URL defaults to the notification-ingest's URL.
 */
export async function startSystem(env: Record<string, string> = {}): Promise<RunningSystem> {
  const marker = uniqueName('system');
  const logDir = path.join(ROOT, 'tmp', 'system-logs', marker);
  fs.mkdirSync(logDir, { recursive: true });
  const ports = Object.fromEntries(
    await Promise.all(SERVICE_NAMES.map(async (name) => [name, await freePort()] as const)),
  ) as Record<ServiceName, number>;
  const urls = Object.fromEntries(SERVICE_NAMES.map((n) => [n, `http://127.0.0.1:${ports[n]}`])) as Record<
    ServiceName,
    string
  >;
  const databases = SERVICE_NAMES.map((n) => `${marker}_${n.replace(/-/g, '_')}`.slice(0, 63));
  const common: NodeJS.ProcessEnv = {
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'info',
    HOST: '127.0.0.1',
    KAFKA_BROKERS: testBrokers(),
    KAFKA_TOPIC_PREFIX: marker,
    ORDER_SERVICE_URL: urls['order-service'],
    PAYMENT_GATEWAY_URL: urls['payment-gateway'],
    LEDGER_SERVICE_URL: urls['ledger-service'],
    NOTIFICATION_INGEST_URL: urls['notification-ingest'],
    CALLBACK_BASE_URL: urls['notification-ingest'],
    NODE_OPTIONS: '--disable-warning=TimeoutNegativeWarning',
    // The services check each other's token on /internal routes, as in production.
    INTERNAL_TOKEN: randomBytes(24).toString('hex'),
    ...env,
  };
  const processes = new Map<ServiceName, ServiceProcess>();
  SERVICE_NAMES.forEach((name, i) => {
    const serviceEnv = { ...common, PORT: String(ports[name]), DB_NAME: databases[i] };
    processes.set(
      name,
      spawnService({ name, url: urls[name], env: serviceEnv, logFile: path.join(logDir, `${name}.log`) }),
    );
  });

  const stopAll = async (): Promise<void> => {
    await Promise.all(
      [...processes.values()].map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.child.exitCode !== null || p.child.signalCode !== null) return resolve();
            const timer = setTimeout(() => p.child.kill('SIGKILL'), 15_000);
            p.child.once('exit', () => {
              clearTimeout(timer);
              resolve();
            });
            p.child.kill('SIGTERM');
          }),
      ),
    );
  };

  try {
    await Promise.all([...processes.values()].map((p) => waitReady(p)));
  } catch (error) {
    await stopAll();
    // The services created their databases as they started; the logs stay for the failure's investigation.
    for (const db of databases) await dropDatabase(testDatabaseConfig(db), db).catch(() => undefined);
    throw error;
  }

  return {
    urls,
    topicPrefix: marker,
    databases: Object.fromEntries(SERVICE_NAMES.map((name, i) => [name, databases[i]])) as Record<ServiceName, string>,
    pid: (name) => processes.get(name)!.child.pid!,
    kill: async (name, signal = 'SIGKILL') => {
      const p = processes.get(name)!;
      const exited = new Promise((resolve) => p.child.once('exit', resolve));
      p.child.kill(signal);
      await exited;
    },
    restart: async (name) => {
      const previous = processes.get(name)!;
      const next = spawnService({ name, url: previous.url, env: previous.env, logFile: previous.logFile });
      processes.set(name, next);
      await waitReady(next);
    },
    logTail: (name, lines = 30) => tail(processes.get(name)!.logFile, lines),
    logLines: (name) =>
      fs
        .readFileSync(processes.get(name)!.logFile, 'utf8')
        .split('\n')
        .flatMap((line) => {
          try {
            return [JSON.parse(line) as Record<string, unknown>];
          } catch {
            return [];
          }
        }),
    stop: async () => {
      await stopAll();
      for (const db of databases) await dropDatabase(testDatabaseConfig(db), db);
      fs.rmSync(logDir, { recursive: true, force: true });
    },
  };
}
