// The seeded parts of `npm run chaos`: its options, its random numbers and its fault plan. Pure functions, so the
// same seed always gives the same plan (test/chaos-plan.spec.ts holds that).
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const CHAOS_PROVIDERS = ['alipay', 'wechatpay', 'unionpay', 'stripe'];

/** mulberry32: a small, fast, well-distributed 32-bit PRNG; returns numbers in [0, 1). */
export function createPrng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const between = (rng, min, max) => min + Math.floor(rng() * (max - min + 1));
const pick = (rng, items) => items[Math.floor(rng() * items.length)];

/**
 * The faults of a run, in order: each waits `afterMs` after the previous one ended, then does `kind` to `target`
 * for `ms`. kill: SIGKILL a service or the broker (ms: time given to the restart before the next fault);
 * stop: SIGSTOP a service for 12-20 s, longer than the consumers' 10 s session timeout, then SIGCONT;
 * db: a service database refuses connections for 5-40 s.
 */
export function faultPlan(rng, { count, services, databases, broker }) {
  // Simulators are not killed: they keep their trades in memory, so a restarted one has forgotten every payment,
  // which no real provider does; the faults are ours to survive, not the provider's amnesia.
  const killable = [...services, ...(broker ? ['kafka'] : [])];
  const plan = [];
  for (let i = 0; i < count; i++) {
    const roll = rng();
    const afterMs = between(rng, 1000, 6000);
    if (roll < 0.4) plan.push({ kind: 'kill', target: pick(rng, killable), ms: between(rng, 3000, 8000), afterMs });
    else if (roll < 0.65)
      plan.push({ kind: 'stop', target: pick(rng, services), ms: between(rng, 12_000, 20_000), afterMs });
    else plan.push({ kind: 'db', database: pick(rng, databases), ms: between(rng, 5000, 40_000), afterMs });
  }
  return plan;
}

/** Parses and checks the command line; every problem is named, the usage printed, and the process exits 2. */
export function parseChaosOptions(argv) {
  const value = (name) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const problems = [];
  const integer = (name, fallback, min, max) => {
    const raw = value(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) problems.push(`--${name} must be an integer from ${min} to ${max}`);
    return n;
  };
  const seed = integer('seed', undefined, 0, 2 ** 32 - 1);
  if (seed === undefined) problems.push('--seed <n> is required (any integer from 0 to 4294967295)');
  const payments = integer('payments', 200, 1, 100_000);
  const providers = (value('providers') ?? CHAOS_PROVIDERS.join(',')).split(',').map((p) => p.trim());
  for (const p of providers) if (!CHAOS_PROVIDERS.includes(p)) problems.push(`unknown provider in --providers: ${p}`);
  const options = {
    seed,
    payments,
    providers,
    concurrency: integer('concurrency', 16, 1, 256),
    faults: integer('faults', Math.max(3, Math.round(payments / 200)), 0, 1000),
    state: path.resolve(value('state') ?? path.join(ROOT, '.cache', 'dev', 'processes.json')),
    loadTimeoutMs: integer('load-timeout', 900, 10, 86_400) * 1000,
    convergeTimeoutMs: integer('converge-timeout', 180, 5, 3600) * 1000,
  };
  if (problems.length > 0) {
    process.stderr.write(
      `${problems.join('\n')}\nusage: npm run chaos -- --seed <n> [--payments 200] [--providers ${CHAOS_PROVIDERS.join(',')}]` +
        ' [--concurrency 16] [--faults n] [--state .cache/dev/processes.json] [--load-timeout 900] [--converge-timeout 180]\n',
    );
    process.exit(2);
  }
  return options;
}
