// Shared by `npm run backup`, `restore` and `archive`: how to reach PostgreSQL (the services' DB_* variables),
// which databases the system has, the PostgreSQL client tools, and the payment-log chain rule.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/** The five service databases under their default names (DB_NAME of each app). */
export const SERVICE_DATABASES = [
  'shop_api_gateway',
  'shop_notification_ingest',
  'shop_order_service',
  'shop_payment_gateway',
  'shop_ledger_service',
];

export function connection(env = process.env) {
  return {
    host: env.DB_HOST ?? '127.0.0.1',
    port: Number(env.DB_PORT ?? 5432),
    user: env.DB_USER ?? 'postgres',
    password: env.DB_PASSWORD || undefined,
  };
}

export async function withClient(database, fn, env = process.env) {
  const client = new pg.Client({ ...connection(env), database, connectionTimeoutMillis: 5000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** pg_dump / pg_restore from PATH, else the newest /usr/lib/postgresql/<v>/bin; a clear error when absent. */
export function pgTool(name) {
  if (spawnSync(name, ['--version'], { stdio: 'ignore' }).status === 0) return name;
  const base = '/usr/lib/postgresql';
  const versions = fs.existsSync(base)
    ? fs
        .readdirSync(base)
        .filter((v) => fs.existsSync(path.join(base, v, 'bin', name)))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (versions.length > 0) return path.join(base, versions[0], 'bin', name);
  throw new Error(`${name} was not found: install the PostgreSQL client (apt-get install postgresql-client)`);
}

/** The environment for pg_dump/pg_restore: the password travels in PGPASSWORD, never on the command line. */
export function pgToolEnv(env = process.env) {
  const { password } = connection(env);
  return { ...process.env, ...(password ? { PGPASSWORD: password } : {}) };
}

export function pgToolArgs(env = process.env) {
  const { host, port, user } = connection(env);
  return ['-h', host, '-p', String(port), '-U', user];
}

export function sha256File(file) {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** hash_n = sha256(hash_{n-1} \n seq \n kind \n body): the same rule as payment_log_append() in the database. */
export function entryHash(prevHash, seq, kind, body) {
  return createHash('sha256').update(`${prevHash}\n${seq}\n${kind}\n${body}`, 'utf8').digest('hex');
}

/**
 * Walks a run of payment-log entries: each links to the one before (the first to `firstPrevHash`), seq
 * increases by one, and each hash is what its content gives. Returns the problems found (empty: intact).
 */
export function verifyChain(entries, firstPrevHash) {
  const problems = [];
  let prev = firstPrevHash;
  let prevSeq;
  for (const e of entries) {
    const seq = Number(e.seq);
    if (prevSeq !== undefined && seq !== prevSeq + 1)
      problems.push(`entry ${seq} follows ${prevSeq}: entries are missing or out of order`);
    if (prev !== undefined && e.prev_hash !== prev) problems.push(`entry ${seq} does not link to the entry before it`);
    if (entryHash(e.prev_hash, seq, e.kind, e.body) !== e.hash)
      problems.push(`entry ${seq} was changed (its hash does not match)`);
    prev = e.hash;
    prevSeq = seq;
    if (problems.length >= 10) break;
  }
  return problems;
}

/** Parses the command line as --name value pairs plus positional words. */
export function parseArgs(argv) {
  const options = {};
  const positional = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg.startsWith('--')) {
      const key = arg.slice(2);
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) options[key] = true;
      else {
        options[key] = next;
        i++;
      }
    } else positional.push(arg);
  }
  return { options, positional };
}

export function databasesFrom(options, env = process.env) {
  const list = options.databases ?? env.BACKUP_DATABASES;
  return typeof list === 'string' && list.trim() !== '' ? list.split(',').map((d) => d.trim()) : SERVICE_DATABASES;
}
