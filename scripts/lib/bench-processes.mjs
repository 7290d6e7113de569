// CPU time and memory of the processes a bench run loads: the five services, the Kafka broker and PostgreSQL (all
// of its processes: the postmaster and every backend). Read from /proc, so it needs Linux, as the tests do.
import fs from 'node:fs';

export const SERVICES = ['api-gateway', 'notification-ingest', 'order-service', 'payment-gateway', 'ledger-service'];
const CLK_TCK = 100; // Linux USER_HZ

function read(file) {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined; // the process ended meanwhile
  }
}

function allPids() {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .map(Number);
}

/**
 * The processes per group. Services are taken from `explicit` (name -> pid) when given, else found by their command
 * line (dist/apps/<name>/main.cjs, or the unbundled src/main.js; every instance when it runs in several, as with npm start -- --replicas 2).
 */
export function findProcesses(explicit = {}) {
  const groups = Object.fromEntries([...SERVICES, 'kafka', 'postgres'].map((g) => [g, []]));
  for (const pid of allPids()) {
    const cmd = read(`/proc/${pid}/cmdline`) ?? '';
    const comm = (read(`/proc/${pid}/comm`) ?? '').trim();
    if (comm === 'postgres') groups.postgres.push(pid);
    else if (cmd.includes('kafka.Kafka')) groups.kafka.push(pid);
    else if (Object.keys(explicit).length === 0) {
      const service = SERVICES.find(
        (s) => cmd.includes(`dist/apps/${s}/main.cjs`) || cmd.includes(`dist/apps/${s}/src/main.js`),
      );
      if (service) groups[service].push(pid);
    }
  }
  for (const [name, pid] of Object.entries(explicit)) groups[name] = [Number(pid)];
  return groups;
}

/** Every PostgreSQL process now (backends come and go with connections). */
export function postgresPids() {
  return allPids().filter((pid) => (read(`/proc/${pid}/comm`) ?? '').trim() === 'postgres');
}

/** User plus system CPU seconds of the processes (those that exited are gone from the sum). */
export function cpuSeconds(pids) {
  let ticks = 0;
  for (const pid of pids) {
    const stat = read(`/proc/${pid}/stat`);
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / CLK_TCK;
}

/** Resident memory of the processes now, in MB. */
export function rssMb(pids) {
  let kb = 0;
  for (const pid of pids) {
    const line = read(`/proc/${pid}/status`)
      ?.split('\n')
      .find((l) => l.startsWith('VmRSS:'));
    if (line) kb += Number(line.split(/\s+/)[1]);
  }
  return kb / 1024;
}

/**
 * Samples the resident memory of every group every `intervalMs` (PostgreSQL's backends are looked up again each
 * time) and keeps the peak of each group's sum; `stop()` answers {group: peak MB}.
 */
export function sampleMemory(groups, intervalMs = 250) {
  const peaks = Object.fromEntries(Object.keys(groups).map((g) => [g, rssMb(groups[g])]));
  const timer = setInterval(() => {
    const postgres = postgresPids();
    for (const [group, pids] of Object.entries(groups)) {
      peaks[group] = Math.max(peaks[group], rssMb(group === 'postgres' ? postgres : pids));
    }
  }, intervalMs);
  timer.unref();
  return {
    stop: () => {
      clearInterval(timer);
      return peaks;
    },
  };
}

/**
 * Waits until the processes of `groups` (and PostgreSQL) together use less than `threshold` cores over
 * `quietSeconds` in a row, or `timeoutSeconds` passed. Idle, the services, Kafka and PostgreSQL use about 0.3 of a
 * core between them (outbox polls, sealing, heartbeats); working off a backlog, the whole box. 17 quiet seconds
 * give every service the two 5-second quiet readings after which it gives back the memory of the busy spell
 * (IdleMemoryRelease). A bench run right after another (or after any burst) would
 * otherwise measure the raw reference and "idle" memory while the services still work off the previous load.
 * Answers {quiet, waitedSeconds, lastLoad} (lastLoad: cores used in the last second sampled).
 */
export async function waitForQuiet(groups, { threshold = 0.5, quietSeconds = 17, timeoutSeconds = 180 } = {}) {
  const pidsNow = () => [
    ...Object.entries(groups)
      .filter(([g]) => g !== 'postgres')
      .flatMap(([, pids]) => pids),
    ...postgresPids(),
  ];
  const started = Date.now();
  let calm = 0;
  for (;;) {
    const pids = pidsNow();
    const before = new Map(pids.map((pid) => [pid, cpuSeconds([pid])]));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const lastLoad = pids.reduce((sum, pid) => sum + Math.max(0, cpuSeconds([pid]) - (before.get(pid) ?? 0)), 0);
    calm = lastLoad < threshold ? calm + 1 : 0;
    const waitedSeconds = (Date.now() - started) / 1000;
    if (calm >= quietSeconds) return { quiet: true, waitedSeconds, lastLoad };
    if (waitedSeconds >= timeoutSeconds) return { quiet: false, waitedSeconds, lastLoad };
  }
}
