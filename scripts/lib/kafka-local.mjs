// A real single-node Apache Kafka broker for local development and tests, without Docker.
//
// The broker jars come from Maven Central (scripts/kafka/pom.xml) and are cached in .cache/kafka/<version>/libs,
// so only the first start needs the network. The broker runs in KRaft mode (no ZooKeeper) as a detached
// background process that outlives the Node process which started it.
//
// Layout (all under the git-ignored .cache/kafka of the repository):
//   <version>/libs/*.jar          broker jars, written atomically (temp folder + rename)
//   data/                         default Kafka log dir (persistent; tests pass their own temp dir)
//   run/<port>/server.properties  broker config, rewritten on every start
//   run/<port>/log4j.properties
//   run/<port>/broker.log         broker stdout/stderr
//   run/<port>/kafka.pid          pid of the broker we started on that port
// Runtime files are keyed by port rather than by data dir so `stop`/`status` find the broker from the port alone.

import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const CACHE_DIR = path.join(REPO_ROOT, '.cache', 'kafka');
const POM = path.join(REPO_ROOT, 'scripts', 'kafka', 'pom.xml');
const DEFAULT_DATA_DIR = path.join(CACHE_DIR, 'data');
// A broker on another port (KAFKA_LOCAL_PORT) keeps its own data: two brokers must never share a log directory.
const defaultDataDir = (port) => (port === 9092 ? DEFAULT_DATA_DIR : `${DEFAULT_DATA_DIR}-${port}`);

// Tried in this order when nothing is cached yet; KAFKA_LOCAL_VERSION pins one. Stay on 3.9.x: Kafka 4 dropped
// protocol versions that kafkajs 2.2.4 relies on.
const KAFKA_VERSIONS = process.env.KAFKA_LOCAL_VERSION ? [process.env.KAFKA_LOCAL_VERSION] : ['3.9.1', '3.9.2'];

const READY_TIMEOUT_MS = 90_000;
const JVM_FLAGS = [
  '-Xms128m',
  '-Xmx512m',
  '-XX:+UseSerialGC',
  // C1 only: the broker starts noticeably faster, and throughput is irrelevant locally.
  '-XX:TieredStopAtLevel=1',
  '-XX:+ExitOnOutOfMemoryError',
  '-Djava.awt.headless=true',
];

const defaultPort = () => Number(process.env.KAFKA_LOCAL_PORT ?? 9092);
const brokersFor = (port) => `127.0.0.1:${port}`;
const runDir = (port) => path.join(CACHE_DIR, 'run', String(port));
const pidFile = (port) => path.join(runDir(port), 'kafka.pid');
const logFileFor = (port) => path.join(runDir(port), 'broker.log');
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const seconds = (since) => ((Date.now() - since) / 1000).toFixed(1);

/**
 * Make sure a Kafka broker answers on 127.0.0.1:<port>, starting one in the background if needed.
 * Never starts a second broker when one already answers (or is still starting from an earlier call).
 * @returns {Promise<{ brokers: string, startedByUs: boolean, pid?: number, logFile?: string }>}
 */
export async function ensureKafka({
  log = console.log,
  port = defaultPort(),
  dataDir = defaultDataDir(port),
  saslSsl = undefined,
} = {}) {
  checkPort(port);
  const brokers = brokersFor(port);

  if (await probeKafka(brokers)) {
    return { brokers, startedByUs: false, ...pidInfo(port) };
  }

  // Only one caller at a time may start a broker on a port (parallel test runners, a CLI start meanwhile...).
  const releaseLock = await acquireStartLock(port, log);
  try {
    // Whoever held the lock before us may have started the broker in the meantime.
    if (await probeKafka(brokers)) return { brokers, startedByUs: false, ...pidInfo(port) };
    return await startKafka({ log, dataDir: path.resolve(dataDir), port, saslSsl });
  } finally {
    releaseLock();
  }
}

/**
 * saslSsl (optional): a second listener, SASL_SSL on 127.0.0.1:<saslSsl.port>, as a managed Kafka offers it.
 * keystoreFile: one PEM file holding the broker's PKCS#8 private key (unencrypted) and its certificate chain;
 * scramUsers: [{ mechanism: 'SCRAM-SHA-256' | 'SCRAM-SHA-512', username, password }] (stored in the cluster
 * metadata when the data dir is formatted); plainUsers: { username: password } for PLAIN.
 * The PLAINTEXT listener stays for the controller and for local tools.
 */
async function startKafka({ log, dataDir, port, saslSsl }) {
  const brokers = brokersFor(port);
  const logFile = logFileFor(port);

  // A broker launched earlier may still be booting (its starter was interrupted): wait for it, do not race it.
  const existingPid = readLivePid(port);
  if (existingPid) {
    log(`Kafka (pid ${existingPid}) is still starting on ${brokers}; waiting for it`);
    await waitUntilReady({ brokers, pid: existingPid, logFile, log });
    return { brokers, startedByUs: false, pid: existingPid, logFile };
  }

  if (await isPortOpen(port)) {
    throw new Error(
      `Port ${port} on 127.0.0.1 is taken by something that is not a Kafka broker (it accepts connections but ` +
        `does not answer Kafka requests). Stop it or choose another port with KAFKA_LOCAL_PORT.`,
    );
  }
  if (await isPortOpen(port + 1)) {
    throw new Error(
      `Port ${port + 1} on 127.0.0.1 (the Kafka controller port, broker port + 1) is already in use. ` +
        `Free it or choose another port with KAFKA_LOCAL_PORT.`,
    );
  }

  checkJava();
  const { version, libs } = await ensureKafkaJars({ log });
  const { serverProps, log4jProps } = writeConfig({ port, dataDir, saslSsl });
  formatStorage({ libs, serverProps, log4jProps, dataDir, scramUsers: saslSsl?.scramUsers ?? [] });

  const started = Date.now();
  const child = startBroker({ libs, serverProps, log4jProps, logFile });
  fs.writeFileSync(pidFile(port), `${child.pid}\n`);
  log(`Starting Kafka ${version} on ${brokers} (pid ${child.pid}, data ${dataDir}, log ${logFile})`);

  try {
    await waitUntilReady({ brokers, pid: child.pid, child, logFile, log });
  } catch (err) {
    // Do not leave a broker behind that never became usable.
    if (isAlive(child.pid)) await stopKafka({ pid: child.pid, port, timeoutMs: 10_000 });
    removePidFile(port, child.pid);
    throw err;
  }
  log(`Kafka is ready on ${brokers} after ${seconds(started)} s`);
  return { brokers, startedByUs: true, pid: child.pid, logFile };
}

/**
 * @returns {Promise<{ running: boolean, brokers: string, pid?: number, logFile?: string }>}
 */
export async function kafkaStatus({ port = defaultPort() } = {}) {
  const brokers = brokersFor(port);
  return { running: await probeKafka(brokers), brokers, ...pidInfo(port) };
}

/**
 * Stop the broker this tool started (pid from the argument, else from the pid file of `port`): SIGTERM, wait for
 * a clean shutdown, SIGKILL after `timeoutMs`. Safe to call when nothing runs. Refuses to signal a pid that is not
 * a Kafka broker (pid files can go stale and pids get reused).
 * @returns {Promise<{ stopped: boolean, pid?: number, killed?: boolean }>}
 */
export async function stopKafka({ pid, port = defaultPort(), timeoutMs = 30_000 } = {}) {
  const target = pid ?? readPidFile(port);
  if (!target || !isAlive(target)) {
    removePidFile(port, target);
    return { stopped: false };
  }
  if (!isKafkaProcess(target)) {
    removePidFile(port, target);
    throw new Error(`Process ${target} is not a Kafka broker; not stopping it.`);
  }

  process.kill(target, 'SIGTERM');
  const deadline = Date.now() + timeoutMs;
  while (isAlive(target) && Date.now() < deadline) await sleep(200);

  let killed = false;
  if (isAlive(target)) {
    process.kill(target, 'SIGKILL');
    killed = true;
    while (isAlive(target)) await sleep(100);
  }
  removePidFile(port, target);
  return { stopped: true, pid: target, killed };
}

// ---------------------------------------------------------------------------------------------------------------
// Probing

function probeAdmin(brokers) {
  return new Kafka({
    clientId: 'kafka-local-probe',
    brokers: [brokers],
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 3_000,
    retry: { retries: 0 },
  }).admin();
}

/** True when a Kafka broker answers metadata requests on `brokers`. */
async function probeKafka(brokers, { warmGroups = false } = {}) {
  const admin = probeAdmin(brokers);
  try {
    await admin.connect();
    await admin.describeCluster();
    // Asking for a group's coordinator makes the broker create __consumer_offsets, so the first real consumer
    // does not stall on it.
    if (warmGroups) await admin.describeGroups(['warmup']);
    return true;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => {});
  }
}

function isPortOpen(port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    const done = (open) => {
      socket.destroy();
      resolve(open);
    };
    socket.setTimeout(1_000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function waitUntilReady({ brokers, pid, child, logFile, log }) {
  const started = Date.now();
  let died = null;
  child?.once('exit', (code, signal) => (died = signal ? `signal ${signal}` : `exit code ${code}`));
  let lastReport = started;

  for (;;) {
    if (await probeKafka(brokers, { warmGroups: true })) return;
    // For our own child the 'exit' event is authoritative (a dead child can linger as a zombie); otherwise poll.
    if (died || (!child && !isAlive(pid))) {
      throw new Error(
        `The Kafka broker (pid ${pid}) exited during startup${died ? ` (${died})` : ''}. ` +
          `Last lines of ${logFile}:\n${tail(logFile)}`,
      );
    }
    if (Date.now() - started > READY_TIMEOUT_MS) {
      throw new Error(
        `Kafka did not become ready on ${brokers} within ${READY_TIMEOUT_MS / 1000} s. ` +
          `Last lines of ${logFile}:\n${tail(logFile)}`,
      );
    }
    if (Date.now() - lastReport >= 5_000) {
      log(`  waiting for Kafka on ${brokers}... ${seconds(started)} s`);
      lastReport = Date.now();
    }
    await sleep(500);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Prerequisites and download

function checkPort(port) {
  if (!Number.isInteger(port) || port < 1 || port > 65534) {
    throw new Error(`Invalid Kafka port ${port} (KAFKA_LOCAL_PORT); the controller also needs port + 1.`);
  }
}

function checkJava() {
  const res = spawnSync('java', ['-version'], { encoding: 'utf8' });
  const message = 'Java 17+ is needed for the local Kafka broker (apt-get install openjdk-17-jre-headless)';
  if (res.error) throw new Error(`${message}; \`java\` was not found on PATH.`);
  // `java -version` prints e.g. `openjdk version "17.0.15"` (or "1.8.0_392" for Java 8) on stderr.
  const match = /version "(\d+)(?:\.(\d+))?/.exec(`${res.stderr}${res.stdout}`);
  const major = match ? (match[1] === '1' ? Number(match[2]) : Number(match[1])) : NaN;
  if (major < 17) throw new Error(`${message}; found Java ${major}.`);
}

function checkMaven() {
  const res = spawnSync(mvnCommand(), ['-v'], { encoding: 'utf8', shell: process.platform === 'win32' });
  if (res.error || res.status !== 0) {
    throw new Error(
      'Apache Maven is needed once, to download the Kafka broker jars from Maven Central ' +
        '(apt-get install maven); `mvn` was not found on PATH.',
    );
  }
}

const mvnCommand = () => (process.platform === 'win32' ? 'mvn.cmd' : 'mvn');
const libsDir = (version) => path.join(CACHE_DIR, version, 'libs');

/** Cached jars if any candidate version has them, else download the first candidate Maven can resolve. */
async function ensureKafkaJars({ log }) {
  for (const version of KAFKA_VERSIONS) {
    if (fs.existsSync(libsDir(version))) return { version, libs: libsDir(version) };
  }
  checkMaven();
  const failures = [];
  for (const version of KAFKA_VERSIONS) {
    try {
      await downloadKafka(version, log);
      return { version, libs: libsDir(version) };
    } catch (err) {
      failures.push(`Kafka ${version}: ${err.message}`);
      log(`Could not download Kafka ${version}${version === KAFKA_VERSIONS.at(-1) ? '' : '; trying the next version'}`);
    }
  }
  throw new Error(`Could not download the Kafka broker jars from Maven Central.\n${failures.join('\n')}`);
}

async function downloadKafka(version, log) {
  const versionDir = path.join(CACHE_DIR, version);
  fs.mkdirSync(versionDir, { recursive: true });
  removeAbandonedDownloads(versionDir);

  // Everything goes to a temp folder next to the final one and is renamed into place only when complete, so an
  // interrupted download never looks like a cache. The Maven repository stays private to the download (so
  // progress can be measured) and is dropped afterwards: only the flat folder of jars is kept.
  const tmp = path.join(versionDir, `.download-${process.pid}-${randomBytes(3).toString('hex')}`);
  const tmpLibs = path.join(tmp, 'libs');
  const tmpRepo = path.join(tmp, 'repository');
  fs.mkdirSync(tmp, { recursive: true });

  log(
    `Downloading the Apache Kafka ${version} broker (org.apache.kafka:kafka_2.13 and its dependencies) from ` +
      `Maven Central with mvn. This happens once; the jars are cached in ${path.relative(REPO_ROOT, versionDir)}.`,
  );
  const started = Date.now();
  const progress = setInterval(() => {
    const { files, bytes } = folderStats(tmpRepo);
    log(`  ${files} jars, ${(bytes / 1024 / 1024).toFixed(1)} MB so far (${seconds(started)} s)`);
  }, 5_000);

  try {
    const args = [
      '-B',
      '-q',
      '-f',
      POM,
      `-Dkafka.version=${version}`,
      `-Dmaven.repo.local=${tmpRepo}`,
      'dependency:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${tmpLibs}`,
    ];
    const { code, output } = await run(mvnCommand(), args);
    if (code !== 0) throw new Error(`mvn exited with code ${code}:\n${lastLines(output, 30)}`);
    const jars = fs.existsSync(tmpLibs) ? fs.readdirSync(tmpLibs).filter((f) => f.endsWith('.jar')) : [];
    if (!jars.some((f) => f.startsWith('kafka_2.13-'))) throw new Error('mvn finished but copied no Kafka jars');

    try {
      fs.renameSync(tmpLibs, libsDir(version));
    } catch (err) {
      // Another process finished the same download first; its copy is as good as ours.
      if (!fs.existsSync(libsDir(version))) throw err;
    }
    const { bytes } = folderStats(libsDir(version));
    log(
      `Downloaded Kafka ${version}: ${jars.length} jars, ${(bytes / 1024 / 1024).toFixed(1)} MB in ${seconds(started)} s`,
    );
  } finally {
    clearInterval(progress);
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

function removeAbandonedDownloads(versionDir) {
  for (const name of fs.readdirSync(versionDir)) {
    const owner = /^\.download-(\d+)-/.exec(name)?.[1];
    if (owner && !isAlive(Number(owner))) fs.rmSync(path.join(versionDir, name), { recursive: true, force: true });
  }
}

function folderStats(dir) {
  let files = 0;
  let bytes = 0;
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true, recursive: true });
  } catch {
    return { files, bytes };
  }
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    try {
      bytes += fs.statSync(path.join(entry.parentPath ?? entry.path, entry.name)).size;
      if (entry.name.endsWith('.jar')) files += 1;
    } catch {
      // Maven renames files while downloading; a vanished temp file is fine.
    }
  }
  return { files, bytes };
}

function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], shell: process.platform === 'win32' });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Broker config, storage and process

function writeConfig({ port, dataDir, saslSsl }) {
  const dir = runDir(port);
  fs.mkdirSync(dir, { recursive: true });
  fs.mkdirSync(dataDir, { recursive: true });
  const controllerPort = port + 1;

  const settings = {
    // Single-node KRaft: this process is both the broker and the (only) controller of a static quorum.
    'process.roles': 'broker,controller',
    'node.id': 1,
    'controller.quorum.voters': `1@127.0.0.1:${controllerPort}`,
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names': 'CONTROLLER',
    'inter.broker.listener.name': 'PLAINTEXT',
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    'log.dirs': dataDir,
    // Topics must be created explicitly, as in production; auto-creation hides missing topic setup.
    'auto.create.topics.enable': false,
    'num.partitions': 1,
    // One broker: every replication factor and min ISR must be 1 or internal topics can never be created.
    'default.replication.factor': 1,
    'min.insync.replicas': 1,
    'offsets.topic.replication.factor': 1,
    'offsets.topic.num.partitions': 1,
    'transaction.state.log.replication.factor': 1,
    'transaction.state.log.min.isr': 1,
    'transaction.state.log.num.partitions': 1,
    // Fast consumer group joins in tests.
    'group.initial.rebalance.delay.ms': 0,
    'group.min.session.timeout.ms': 1000,
    // Small footprint on 2-core dev machines and CI.
    'num.network.threads': 2,
    'num.io.threads': 2,
    'background.threads': 2,
    'num.recovery.threads.per.data.dir': 1,
    'num.replica.fetchers': 1,
    'log.cleaner.threads': 1,
    'log.cleaner.dedupe.buffer.size': 16 * 1024 * 1024,
    ...(saslSsl ? saslSslSettings(port, saslSsl) : {}),
  };
  const serverProps = path.join(dir, 'server.properties');
  fs.writeFileSync(
    serverProps,
    '# Written by scripts/lib/kafka-local.mjs on every start; edits are lost.\n' +
      Object.entries(settings)
        .map(([key, value]) => `${key}=${String(value).replaceAll('\\', '\\\\')}`)
        .join('\n') +
      '\n',
  );

  // WARN keeps the log readable; KafkaRaftServer at INFO keeps the "Kafka Server started" line.
  const log4jProps = path.join(dir, 'log4j.properties');
  fs.writeFileSync(
    log4jProps,
    [
      'log4j.rootLogger=WARN, stdout',
      'log4j.appender.stdout=org.apache.log4j.ConsoleAppender',
      'log4j.appender.stdout.layout=org.apache.log4j.PatternLayout',
      'log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n',
      'log4j.logger.kafka.server.KafkaRaftServer=INFO',
      '',
    ].join('\n'),
  );
  return { serverProps, log4jProps };
}

function saslSslSettings(port, { port: saslPort, keystoreFile, plainUsers = {} }) {
  const plainJaas =
    'org.apache.kafka.common.security.plain.PlainLoginModule required ' +
    Object.entries(plainUsers)
      .map(([user, password]) => `user_${user}="${password}"`)
      .join(' ') +
    ';';
  const scramJaas = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';
  return {
    listeners: `PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${port + 1},SASL_SSL://127.0.0.1:${saslPort}`,
    // The name clients connect by must be in the certificate (the test's certificate names localhost).
    'advertised.listeners': `PLAINTEXT://127.0.0.1:${port},SASL_SSL://localhost:${saslPort}`,
    'listener.security.protocol.map': 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL',
    'sasl.enabled.mechanisms': 'PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    'listener.name.sasl_ssl.plain.sasl.jaas.config': plainJaas,
    'listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config': scramJaas,
    'listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config': scramJaas,
    'listener.name.sasl_ssl.ssl.keystore.type': 'PEM',
    'listener.name.sasl_ssl.ssl.keystore.location': keystoreFile,
  };
}

function javaArgs({ libs, log4jProps }) {
  return [...JVM_FLAGS, `-Dlog4j.configuration=${pathToFileUrl(log4jProps)}`, '-cp', path.join(libs, '*')];
}

const pathToFileUrl = (p) => new URL(`file://${path.resolve(p).split(path.sep).join('/')}`).href;

/** Format a new data dir; a formatted one is reused as is (formatting again would only cost a JVM start). */
function formatStorage({ libs, serverProps, log4jProps, dataDir, scramUsers = [] }) {
  if (fs.existsSync(path.join(dataDir, 'meta.properties'))) return;
  const res = spawnSync(
    'java',
    [
      ...javaArgs({ libs, log4jProps }),
      'kafka.tools.StorageTool',
      'format',
      '--ignore-formatted',
      '-t',
      clusterIdFor(dataDir),
      '-c',
      serverProps,
      // SCRAM credentials live in the KRaft metadata; they can only be added here, before the first start.
      ...scramUsers.flatMap(({ mechanism, username, password }) => [
        '--add-scram',
        `${mechanism}=[name=${username},password=${password}]`,
      ]),
    ],
    { encoding: 'utf8' },
  );
  if (res.error || res.status !== 0) {
    throw new Error(
      `Formatting the Kafka data dir ${dataDir} failed (${res.error?.message ?? `exit code ${res.status}`}):\n` +
        lastLines(`${res.stdout ?? ''}${res.stderr ?? ''}`, 30),
    );
  }
}

/**
 * The cluster id already recorded in the data dir by a previous format, else a new random one. It must match:
 * even with --ignore-formatted, StorageTool fails on a formatted dir whose meta.properties has another id.
 */
function clusterIdFor(dataDir) {
  try {
    const existing = /^cluster\.id=(.+)$/m.exec(fs.readFileSync(path.join(dataDir, 'meta.properties'), 'utf8'));
    if (existing) return existing[1].trim();
  } catch {
    // Not formatted yet.
  }
  // Kafka cluster ids are 16 random bytes in unpadded base64url (22 chars). Like Kafka's Uuid.randomUuid(), avoid
  // a leading '-', which the StorageTool command line would take for an option.
  let id;
  do id = randomBytes(16).toString('base64url');
  while (id.startsWith('-'));
  return id;
}

function startBroker({ libs, serverProps, log4jProps, logFile }) {
  // Fully detached (own process group, stdio straight into a file, unref'd): the broker keeps running after this
  // Node process exits, and no pipe ties the two together.
  const out = fs.openSync(logFile, 'w');
  try {
    const child = spawn('java', [...javaArgs({ libs, log4jProps }), 'kafka.Kafka', serverProps], {
      detached: true,
      stdio: ['ignore', out, out],
    });
    child.unref();
    return child;
  } finally {
    fs.closeSync(out);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Pid file and process helpers

/**
 * Take run/<port>/start.lock (created exclusively, holding our pid), waiting while another live process holds it.
 * A lock left by a process that died is taken over. Returns the release function.
 */
async function acquireStartLock(port, log) {
  fs.mkdirSync(runDir(port), { recursive: true });
  const lock = path.join(runDir(port), 'start.lock');
  let announced = false;
  for (;;) {
    try {
      fs.writeFileSync(lock, `${process.pid}\n`, { flag: 'wx' });
      return () => fs.rmSync(lock, { force: true });
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    let holder;
    let ageMs;
    try {
      holder = Number.parseInt(fs.readFileSync(lock, 'utf8'), 10);
      ageMs = Date.now() - fs.statSync(lock).mtimeMs;
    } catch {
      continue; // Released between our attempt and the read.
    }
    // An empty lock file is one being written right now, unless it has been empty for a while.
    const stale = Number.isInteger(holder) ? !isAlive(holder) : ageMs > 10_000;
    if (stale) {
      fs.rmSync(lock, { force: true });
      continue;
    }
    if (!announced) {
      log(`Another process${holder ? ` (pid ${holder})` : ''} is starting Kafka on port ${port}; waiting for it`);
      announced = true;
    }
    await sleep(500);
  }
}

function readPidFile(port) {
  try {
    const pid = Number.parseInt(fs.readFileSync(pidFile(port), 'utf8'), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

/** The pid from the pid file if it is a live Kafka broker; a stale pid file is removed. */
function readLivePid(port) {
  const pid = readPidFile(port);
  if (!pid) return undefined;
  if (isAlive(pid) && isKafkaProcess(pid)) return pid;
  removePidFile(port, pid);
  return undefined;
}

function pidInfo(port) {
  const pid = readLivePid(port);
  return pid ? { pid, logFile: logFileFor(port) } : {};
}

/** Remove the pid file, but only if it still names `pid` (another start may have replaced it). */
function removePidFile(port, pid) {
  const current = readPidFile(port);
  if (current === undefined || pid === undefined || current === pid) fs.rmSync(pidFile(port), { force: true });
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return err.code === 'EPERM';
  }
  // A zombie (exited, not yet reaped by its parent) still accepts signal 0 but is not running.
  const stat = spawnSync('ps', ['-o', 'stat=', '-p', String(pid)], { encoding: 'utf8' });
  return stat.error ? true : !stat.stdout.trim().startsWith('Z');
}

function isKafkaProcess(pid) {
  let cmdline;
  try {
    cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
  } catch {
    const res = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
    if (res.error) return true; // Cannot tell without /proc or ps; trust our own pid file.
    cmdline = res.stdout;
  }
  return cmdline.includes('kafka.Kafka');
}

function tail(file, lines = 40) {
  try {
    return lastLines(fs.readFileSync(file, 'utf8'), lines) || '(empty)';
  } catch {
    return '(no log file)';
  }
}

function lastLines(text, lines) {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}
