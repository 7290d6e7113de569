// `npm start`: the whole system on this machine. Brings up Kafka if none answers, checks PostgreSQL, creates the
// topics, starts a simulator for every payment provider that is not configured and the five services (each
// creates and migrates its own database), waits until every one is ready, prints where they are and how each
// provider runs, and keeps running. Ctrl-C (SIGINT) or SIGTERM stops everything it started.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  devEnvironment,
  devTokens,
  loadDevSecrets,
  loadDotEnv,
  simulatedProviders,
  simulatorPort,
} from './lib/dev-env.mjs';
import { allocatorEnv } from './lib/allocator.mjs';
import { ensureKafka, stopKafka } from './lib/kafka-local.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LOG_DIR = process.env.START_LOG_DIR ? path.resolve(process.env.START_LOG_DIR) : path.join(ROOT, '.cache', 'logs');
const READY_TIMEOUT_MS = Number(process.env.START_READY_TIMEOUT_MS ?? 120_000);
const STOP_TIMEOUT_MS = 15_000;
// Where the running processes are written for tools (npm run chaos): pids, ports, databases, the broker.
const STATE_FILE = process.env.START_STATE_FILE
  ? path.resolve(process.env.START_STATE_FILE)
  : path.join(ROOT, '.cache', 'dev', 'processes.json');
// Supervision, as Kubernetes restarts a pod: a process that exits unexpectedly is restarted after a delay that
// doubles from RESTART_BASE_MS up to RESTART_MAX_MS, and starts from the base again once it stayed up a minute.
const RESTART_BASE_MS = Number(process.env.START_RESTART_BASE_MS ?? 500);
const RESTART_MAX_MS = 10_000;
const STABLE_AFTER_MS = 60_000;
const require = createRequire(import.meta.url);

/** The services, their default ports, and the prefix of their per-service override variables. */
const SERVICES = [
  { name: 'api-gateway', port: 3000, prefix: 'API_GATEWAY' },
  { name: 'notification-ingest', port: 3001, prefix: 'NOTIFICATION_INGEST' },
  { name: 'order-service', port: 3002, prefix: 'ORDER_SERVICE' },
  { name: 'payment-gateway', port: 3003, prefix: 'PAYMENT_GATEWAY' },
  { name: 'ledger-service', port: 3004, prefix: 'LEDGER_SERVICE' },
];

// `npm start -- --replicas N` (or START_REPLICAS): N instances of every service, as a Deployment with N pods. Each
// instance listens on a free port of its own; the service's usual port is then a round-robin TCP balancer in front
// of them (the part a Kubernetes Service plays), so clients and the other services see one address per service.
const MAX_REPLICAS = 8;
const replicas = (() => {
  const index = process.argv.indexOf('--replicas');
  const text = index > 0 ? process.argv[index + 1] : (process.env.START_REPLICAS ?? '1');
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > MAX_REPLICAS) {
    process.stdout.write(`--replicas must be an integer from 1 to ${MAX_REPLICAS}, got ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return value;
})();

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
const say = (line) => process.stdout.write(`${line}\n`);
const children = new Map();
let kafkaStartedByUs;
let stopping = false;
// Until everything was ready once, an exit is a start-up failure (bad config, port taken): stop and say why.
// From then on, exits are supervised.
let supervising = false;
const kafkaWatch = { restarts: 0, startedAt: 0, restarting: false, timer: undefined };

async function checkPostgres() {
  const { Client } = require('pg');
  const host = process.env.DB_HOST ?? '127.0.0.1';
  const port = Number(process.env.DB_PORT ?? 5432);
  const client = new Client({
    host,
    port,
    user: process.env.DB_USER ?? 'postgres',
    password: process.env.DB_PASSWORD || undefined,
    database: 'postgres',
    connectionTimeoutMillis: 5000,
  });
  try {
    await client.connect();
    await client.end();
  } catch (error) {
    say(`PostgreSQL is not reachable at ${host}:${port} (${error.code ?? error.message}).`);
    say('  Start it (on Debian: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start;');
    say('  with Docker: docker compose up -d postgres) or point DB_HOST/DB_PORT at a running server.');
    process.exit(1);
  }
}

async function createTopics(brokers) {
  const { createKafka, ensureTopics, physicalName } = require(path.join(ROOT, 'dist/libs/messaging/src/index.js'));
  const { allTopics, TOPIC_PARTITIONS } = require(path.join(ROOT, 'dist/libs/contracts/src/index.js'));
  const settings = {
    brokers: brokers.split(','),
    clientId: 'start',
    topicPrefix: process.env.KAFKA_TOPIC_PREFIX ?? '',
  };
  const created = await ensureTopics(
    createKafka(settings),
    allTopics().map((t) => physicalName(settings, t)),
    TOPIC_PARTITIONS,
  );
  say(`  topics: ${created.length} created, ${allTopics().length - created.length} already there`);
}

// A port already taken would let an old instance answer our readiness checks; refuse before starting anything.
function portFree(port) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, process.env.HOST ?? '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

async function checkPortsFree() {
  const taken = [];
  for (const service of SERVICES) {
    const port = Number(process.env[`${service.prefix}_PORT`] ?? service.port);
    if (!(await portFree(port))) taken.push(`${service.name} (${port})`);
  }
  // The simulators this run will start: one per provider whose variables are not set.
  for (const provider of simulatedProviders(process.env)) {
    const port = simulatorPort(process.env, provider);
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      say(`${provider.portVariable} must be a port number (1-65535).`);
      process.exit(1);
    }
    if (!(await portFree(port))) taken.push(`${provider.name}-simulator (${port})`);
  }
  if (taken.length > 0) {
    say(
      `Ports already in use: ${taken.join(', ')}. Is the system already running? ` +
        'Stop it, or set <SERVICE>_PORT / <PROVIDER>_SIM_PORT.',
    );
    process.exit(1);
  }
}

let devServiceEnv = {};
let secretsFile;
// Decided once .env is loaded (main), which may set LD_PRELOAD or MALLOC_CONF.
let allocator;

function serviceEnv(service) {
  const env = { ...process.env, ...devServiceEnv };
  // PORT and DB_NAME are per service: a global value would make all five collide.
  delete env.PORT;
  delete env.DB_NAME;
  env.PORT = process.env[`${service.prefix}_PORT`] ?? String(service.port);
  if (process.env[`${service.prefix}_DB_NAME`]) env.DB_NAME = process.env[`${service.prefix}_DB_NAME`];
  env.HOST ??= '127.0.0.1';
  env.NODE_ENV ??= 'development';
  // The image's V8 settings and allocator (Dockerfile, scripts/lib/allocator.mjs), so the services run here as
  // deployed.
  env.NODE_OPTIONS = ['--max-semi-space-size=2', env.NODE_OPTIONS, '--disable-warning=TimeoutNegativeWarning']
    .filter(Boolean)
    .join(' ');
  Object.assign(env, allocator.env);
  return env;
}

/** The public address of each service: its own port, or its balancer's when it runs in several instances. */
const balancers = new Map();

async function startService(service) {
  const env = serviceEnv(service);
  const database = env.DB_NAME ?? `shop_${service.name.replace(/-/g, '_')}`;
  if (replicas === 1) {
    spawnProcess({ ...service, kind: 'service', database }, `dist/apps/${service.name}/main.cjs`, env, {
      url: `http://127.0.0.1:${env.PORT}`,
      readyPath: '/health/ready',
    });
    return;
  }
  const instances = [];
  for (let i = 1; i <= replicas; i++) {
    const port = await freePort();
    const name = `${service.name}-${i}`;
    spawnProcess(
      { ...service, name, service: service.name, kind: 'service', database },
      `dist/apps/${service.name}/main.cjs`,
      { ...env, PORT: String(port), OTEL_SERVICE_NAME: env.OTEL_SERVICE_NAME ?? service.name },
      { url: `http://127.0.0.1:${port}`, readyPath: '/health/ready' },
    );
    instances.push(children.get(name));
  }
  balancers.set(service.name, await startBalancer(Number(env.PORT), env.HOST, instances));
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * A round-robin TCP balancer on `port` over the instances: each connection goes to the next instance that is up
 * (ready ones first), and to another one when its connect fails, as kube-proxy spreads a Service's connections
 * over its ready pods. Connections, not requests, are balanced: keep-alive clients (the gateway, the bench) hold
 * several connections, so their requests spread too.
 */
function startBalancer(port, host, instances) {
  let next = 0;
  const candidates = () => {
    const up = instances.filter((e) => !e.exited);
    const ready = up.filter((e) => e.ready);
    return ready.length > 0 ? ready : up;
  };
  const server = net.createServer((client) => {
    client.pause();
    const tried = new Set();
    const connect = () => {
      const pool = candidates().filter((e) => !tried.has(e));
      if (pool.length === 0) {
        client.destroy();
        return;
      }
      const target = pool[next++ % pool.length];
      tried.add(target);
      const upstream = net.connect(Number(new URL(target.url).port), '127.0.0.1');
      let connected = false;
      upstream.once('connect', () => {
        connected = true;
        upstream.setNoDelay(true);
        client.setNoDelay(true);
        client.pipe(upstream).pipe(client);
        client.resume();
        upstream.on('error', () => client.destroy());
        client.on('error', () => upstream.destroy());
        upstream.on('close', () => client.destroy());
        client.on('close', () => upstream.destroy());
      });
      upstream.once('error', () => {
        if (!connected) connect(); // refused (the instance is restarting): the next one
      });
    };
    connect();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host ?? '127.0.0.1', () => resolve({ server, port, instances }));
  });
}

function spawnProcess(service, entryFile, env, { url, readyPath }) {
  const logFile = path.join(LOG_DIR, `${service.name}.log`);
  fs.writeFileSync(logFile, '');
  const entry = { service, entryFile, env, logFile, url, readyPath, ready: false, exited: false, restarts: 0 };
  children.set(service.name, entry);
  launch(entry);
}

/** Starts (or restarts) an entry's process, appending to its log. */
function launch(entry) {
  const out = fs.openSync(entry.logFile, 'a');
  const child = spawn(process.execPath, [path.join(ROOT, entry.entryFile)], {
    cwd: ROOT,
    env: entry.env,
    stdio: ['ignore', out, out],
  });
  fs.closeSync(out);
  Object.assign(entry, { child, exited: false, startedAt: Date.now() });
  child.on('exit', (code, signal) => {
    entry.exited = true;
    if (stopping) return;
    const how = signal ?? `code ${code}`;
    if (!supervising) {
      say(`\n${entry.service.name} exited (${how}). Last lines of ${path.relative(ROOT, entry.logFile)}:`);
      say(tail(entry.logFile, 15));
      void shutdown(1);
      return;
    }
    const delay = nextRestartDelay(entry);
    say(
      `  ${entry.service.name} exited (${how}); restarting in ${(delay / 1000).toFixed(1)} s (restart ${entry.restarts})`,
    );
    writeState();
    setTimeout(() => {
      if (stopping) return;
      launch(entry);
      writeState();
    }, delay).unref();
  });
}

/** Capped exponential backoff; a process that stayed up a minute starts again from the base delay. */
function nextRestartDelay(state) {
  if (Date.now() - state.startedAt > STABLE_AFTER_MS) state.restarts = 0;
  state.restarts += 1;
  return Math.min(RESTART_BASE_MS * 2 ** (state.restarts - 1), RESTART_MAX_MS);
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/**
 * The broker this command started runs detached (it outlives a crash of this process by design), so it is not
 * our child: it is watched by pid, and restarted on the same data directory when it is gone.
 */
function watchKafka() {
  kafkaWatch.startedAt = Date.now();
  kafkaWatch.timer = setInterval(() => {
    if (stopping || kafkaWatch.restarting || !kafkaStartedByUs || isAlive(kafkaStartedByUs.pid)) return;
    kafkaWatch.restarting = true;
    const delay = nextRestartDelay(kafkaWatch);
    say(
      `  kafka broker exited (pid ${kafkaStartedByUs.pid}); restarting in ${(delay / 1000).toFixed(1)} s (restart ${kafkaWatch.restarts})`,
    );
    writeState();
    setTimeout(async () => {
      try {
        if (stopping) return;
        const kafka = await ensureKafka({ log: () => undefined });
        if (kafka.startedByUs) kafkaStartedByUs = kafka;
        kafkaWatch.startedAt = Date.now();
        writeState();
      } catch (error) {
        say(`  kafka broker restart failed (${error.message}); trying again`);
      } finally {
        kafkaWatch.restarting = false;
      }
    }, delay);
  }, 1000);
  kafkaWatch.timer.unref();
}

/** Writes where everything runs now, for tools; replaced atomically, so a reader never sees half a file. */
function writeState() {
  const processes = {};
  for (const entry of children.values()) {
    processes[entry.service.name] = {
      kind: entry.service.kind ?? 'simulator',
      pid: entry.exited ? null : entry.child.pid,
      url: entry.url,
      database: entry.service.database ?? null,
      service: entry.service.service ?? entry.service.name,
      restarts: entry.restarts,
    };
  }
  // Where each service answers (its balancer when it runs in several instances).
  const services = {};
  for (const service of SERVICES) {
    const balancer = balancers.get(service.name);
    services[service.name] = balancer
      ? { url: `http://127.0.0.1:${balancer.port}`, instances: balancer.instances.map((e) => e.service.name) }
      : { url: children.get(service.name)?.url, instances: [service.name] };
  }
  const state = {
    supervisor: process.pid,
    secretsFile,
    updatedAt: new Date().toISOString(),
    kafka: {
      brokers: process.env.KAFKA_BROKERS,
      pid: kafkaStartedByUs && isAlive(kafkaStartedByUs.pid) ? kafkaStartedByUs.pid : null,
      ownedByUs: Boolean(kafkaStartedByUs),
      topicPrefix: process.env.KAFKA_TOPIC_PREFIX ?? '',
    },
    replicas,
    services,
    processes,
  };
  fs.mkdirSync(path.dirname(STATE_FILE), { recursive: true });
  const tmp = `${STATE_FILE}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${JSON.stringify(state, null, 2)}\n`);
  fs.renameSync(tmp, STATE_FILE);
}

function tail(file, lines) {
  try {
    return fs
      .readFileSync(file, 'utf8')
      .trimEnd()
      .split('\n')
      .slice(-lines)
      .map((l) => `  ${l}`)
      .join('\n');
  } catch {
    return '  (no log)';
  }
}

async function isReady(entry) {
  try {
    const response = await fetch(`${entry.url}${entry.readyPath}`, { signal: AbortSignal.timeout(2000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

async function waitUntilReady() {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastReport = 0;
  for (;;) {
    const pending = [...children.values()].filter((e) => !e.ready);
    await Promise.all(pending.map(async (e) => (e.ready = await isReady(e))));
    const waiting = [...children.values()].filter((e) => !e.ready).map((e) => e.service.name);
    if (waiting.length === 0) return;
    if (Date.now() > deadline) {
      say(`\nNot ready after ${READY_TIMEOUT_MS / 1000} s: ${waiting.join(', ')}`);
      for (const name of waiting) say(`${name} (last lines of its log):\n${tail(children.get(name).logFile, 10)}`);
      await shutdown(1);
    }
    if (Date.now() - lastReport > 3000) {
      say(`  waiting for ${waiting.join(', ')} (${elapsed()})`);
      lastReport = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  say('\nStopping...');
  clearInterval(kafkaWatch.timer);
  fs.rmSync(STATE_FILE, { force: true });
  for (const balancer of balancers.values()) balancer.server.close();
  const running = [...children.values()].filter((e) => !e.exited);
  await Promise.all(
    running.map(
      (entry) =>
        new Promise((resolve) => {
          const timer = setTimeout(() => entry.child.kill('SIGKILL'), STOP_TIMEOUT_MS);
          entry.child.once('exit', () => {
            clearTimeout(timer);
            resolve();
          });
          entry.child.kill('SIGTERM');
        }),
    ),
  );
  if (kafkaStartedByUs) {
    say('  stopping the Kafka broker this command started');
    await stopKafka({ pid: kafkaStartedByUs.pid });
  }
  say('Stopped.');
  process.exit(code);
}

async function main() {
  loadDotEnv(ROOT);
  allocator = allocatorEnv(process.env);
  fs.mkdirSync(LOG_DIR, { recursive: true });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => void shutdown(0));

  say('Starting the shop payment system');
  await checkPortsFree();
  say('  checking PostgreSQL');
  await checkPostgres();
  const brokers = process.env.KAFKA_BROKERS;
  if (brokers) {
    say(`  using Kafka at ${brokers} (KAFKA_BROKERS)`);
  } else {
    const kafka = await ensureKafka({ log: (line) => say(`  kafka: ${line}`) });
    if (kafka.startedByUs) kafkaStartedByUs = kafka;
    process.env.KAFKA_BROKERS = kafka.brokers;
  }
  await createTopics(process.env.KAFKA_BROKERS);

  secretsFile = process.env.START_SECRETS_FILE
    ? path.resolve(process.env.START_SECRETS_FILE)
    : path.join(ROOT, '.cache', 'dev', 'secrets.json');
  const secrets = await loadDevSecrets(ROOT, secretsFile);
  const ingestPort = process.env.NOTIFICATION_INGEST_PORT ?? '3001';
  const dev = devEnvironment(process.env, secrets, { notificationIngest: ingestPort });
  devServiceEnv = dev.serviceEnv;
  // The gateway finds the internal services on the ports this run gave them (unless told otherwise).
  for (const [variable, prefix, port] of [
    ['ORDER_SERVICE_URL', 'ORDER_SERVICE', 3002],
    ['PAYMENT_GATEWAY_URL', 'PAYMENT_GATEWAY', 3003],
    ['LEDGER_SERVICE_URL', 'LEDGER_SERVICE', 3004],
    ['NOTIFICATION_INGEST_URL', 'NOTIFICATION_INGEST', 3001],
  ]) {
    devServiceEnv[variable] = process.env[variable] ?? `http://127.0.0.1:${process.env[`${prefix}_PORT`] ?? port}`;
  }
  for (const simulator of dev.simulators) {
    say(`  starting ${simulator.name} on port ${simulator.port} (no ${simulator.provider} variables are set)`);
    const env = { ...process.env, ...simulator.env };
    spawnProcess({ name: simulator.name, kind: 'simulator' }, simulator.entry, env, simulator);
  }
  say(`  starting services (each creates and migrates its own database); ${allocator.note}`);
  for (const service of SERVICES) await startService(service);
  await waitUntilReady();
  supervising = true;
  writeState();
  if (kafkaStartedByUs) watchKafka();

  say(`\nAll services ready in ${elapsed()}${replicas > 1 ? ` (${replicas} instances of each service)` : ''}:`);
  for (const entry of children.values()) {
    say(`  ${entry.service.name.padEnd(22)} ${entry.url.padEnd(24)} ready`);
  }
  for (const [name, balancer] of balancers) {
    const to = balancer.instances.map((e) => new URL(e.url).port).join(', ');
    say(`  ${name.padEnd(22)} ${`http://127.0.0.1:${balancer.port}`.padEnd(24)} balances over ports ${to}`);
  }
  say('\nPayment providers:');
  for (const provider of dev.providers) {
    const how = provider.mode === 'simulator' ? '' : `${provider.enabled ? 'configured' : 'disabled'}: `;
    say(`  ${provider.name.padEnd(20)} ${how}${provider.detail}`);
  }
  const tokens = devTokens(ROOT, devServiceEnv.JWT_SECRET);
  say('\nLocal bearer tokens (30 days, signed with JWT_SECRET; generated ones live in .cache/dev/secrets.json):');
  say(`  customer: ${tokens.customer}`);
  say(`  admin:    ${tokens.admin}`);
  say('\nTry it:');
  const gateway = `http://127.0.0.1:${process.env.API_GATEWAY_PORT ?? 3000}`;
  say(`  open ${gateway}/console   (the console: sign in, shop, pay, and the admin back office)`);
  say(`  open ${gateway}/console/checkout/<orderNo>   (the checkout page of an order)`);
  say(`  open ${gateway}/docs   (the API reference: OpenAPI, Swagger UI)`);
  say('  curl http://127.0.0.1:3000/api/v1/products');
  say('  curl -X POST -H "Authorization: Bearer <customer>" -H "content-type: application/json" \\');
  say('       -d \'{"items":[{"sku":"<sku>","quantity":1}]}\' http://127.0.0.1:3000/api/v1/orders');
  if (dev.simulators.length > 0) {
    const simulated = dev.simulators.map((simulator) => simulator.provider).join(', ');
    say(`  npm run simulate -- <provider> pay <orderNo>   (${simulated}; after starting a payment with it)`);
  }
  say(`\nLogs: ${path.relative(ROOT, LOG_DIR)}/<service>.log   Stop: Ctrl-C`);
  say('A service, simulator or broker that exits is restarted (one line each time); `npm run chaos` tests that.');
}

main().catch(async (error) => {
  say(`\nStart failed: ${error.message}`);
  await shutdown(1);
});
