// `npm run restore -- --from <dir> --into <suffix>`: checks every dump against the manifest (size, sha256),
// restores each into a scratch database <name>_<suffix> (never over an existing one), then verifies it: row
// counts as recorded at backup time, every ledger transaction balanced, the payment-log chain intact.
// Exit code 1 on any failure; the scratch databases stay for inspection (drop them when done).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parseArgs, pgTool, pgToolArgs, pgToolEnv, sha256File, verifyChain, withClient } from './lib/ops-db.mjs';

const { options } = parseArgs(process.argv.slice(2));
if (typeof options.from !== 'string' || typeof options.into !== 'string' || !/^[a-z0-9_]{1,20}$/.test(options.into)) {
  console.error('Usage: npm run restore -- --from <backup dir> --into <suffix: a-z 0-9 _, up to 20>');
  process.exit(2);
}
const from = path.resolve(options.from);
const manifest = JSON.parse(fs.readFileSync(path.join(from, 'manifest.json'), 'utf8'));
const problems = [];

// Nothing is restored from a backup that is not what was written.
for (const db of manifest.databases) {
  const file = path.join(from, db.file);
  if (!fs.existsSync(file)) problems.push(`${db.file}: missing`);
  else if (fs.statSync(file).size !== db.bytes || sha256File(file) !== db.sha256) {
    problems.push(`${db.file}: does not match the manifest (changed or truncated)`);
  }
}
if (problems.length > 0) {
  for (const p of problems) console.error(`FAILED ${p}`);
  process.exit(1);
}

const pgRestore = pgTool('pg_restore');
for (const db of manifest.databases) {
  const target = `${db.database}_${options.into}`;
  const exists = await withClient(
    'postgres',
    async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [target])).rowCount > 0,
  );
  if (exists) {
    console.error(`${target} already exists: restore into a new suffix (nothing was changed)`);
    process.exit(1);
  }
  await withClient('postgres', (c) => c.query(`CREATE DATABASE "${target}"`));
  const restore = spawnSync(
    pgRestore,
    [...pgToolArgs(), '-d', target, '--no-owner', '--exit-on-error', path.join(from, db.file)],
    { encoding: 'utf8', env: pgToolEnv() },
  );
  if (restore.status !== 0) {
    problems.push(`${target}: pg_restore failed: ${restore.stderr.trim()}`);
    continue;
  }
  await withClient(target, async (client) => {
    for (const [table, expected] of Object.entries(db.tables)) {
      const { rows } = await client.query(`SELECT count(*)::bigint AS n FROM "${table}"`);
      if (Number(rows[0].n) !== expected)
        problems.push(`${target}.${table}: ${rows[0].n} rows, backup had ${expected}`);
    }
    if (db.tables.journal_entries !== undefined) {
      const { rows } = await client.query(
        `SELECT transaction_id FROM journal_entries GROUP BY transaction_id, currency
         HAVING sum(CASE side WHEN 'debit' THEN amount ELSE -amount END) <> 0 LIMIT 5`,
      );
      for (const r of rows) problems.push(`${target}: ledger transaction ${r.transaction_id} does not balance`);
    }
    if (db.tables.payment_log !== undefined) {
      const { rows } = await client.query('SELECT seq, kind, body, prev_hash, hash FROM payment_log ORDER BY seq');
      const { rows: head } = await client.query('SELECT seq, hash FROM payment_log_head');
      for (const p of verifyChain(rows)) problems.push(`${target}: payment log: ${p}`);
      const last = rows.at(-1);
      if (last && (Number(last.seq) !== Number(head[0].seq) || last.hash !== head[0].hash)) {
        problems.push(`${target}: payment log does not end at its recorded head`);
      }
    }
  });
  console.log(`${target}: restored from ${db.file}, ${Object.keys(db.tables).length} tables checked`);
}
if (problems.length > 0) {
  for (const p of problems) console.error(`FAILED ${p}`);
  process.exit(1);
}
console.log(`restore verified: ${manifest.databases.length} databases into *_${options.into}`);
