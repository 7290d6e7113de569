// The payment-log archive (docs/decisions.md "Payment log and archive").
//
//   npm run archive -- --until <ISO date | Nd> --out <dir> [--databases a,b]
//     writes, per database with a payment log, the entries not yet archived that occurred before --until
//     ("30d" = 30 days ago) as <database>.payment-log.ndjson.gz, and manifest.json signed with
//     ARCHIVE_SIGNING_KEY (HMAC-SHA256). The archive is then verified from disk; only then are entries older than
//     ARCHIVE_RETENTION_DAYS (default 90) that it holds removed from the database, together with published outbox
//     rows, inbox rows older than INBOX_RETENTION_DAYS (default 30: far beyond any redelivery) and provider
//     request log rows past the retention.
//   npm run archive -- verify <dir>
//     checks the signature, every file's hash, and re-walks the chain inside the files: a changed byte, a removed,
//     added or reordered entry, a removed file or an edited manifest is reported, and the exit code is 1.
import { createHmac, timingSafeEqual } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { databasesFrom, parseArgs, sha256File, verifyChain, withClient } from './lib/ops-db.mjs';

const USAGE = `Usage: npm run archive -- --until <ISO date | Nd> --out <dir> [--databases a,b]
       npm run archive -- verify <dir>`;

function signingKey() {
  const key = process.env.ARCHIVE_SIGNING_KEY ?? '';
  if (key.length < 32) {
    console.error('ARCHIVE_SIGNING_KEY must be set to a secret of at least 32 characters');
    process.exit(2);
  }
  return key;
}

function daysFromEnv(name, fallback) {
  const raw = process.env[name];
  const value = raw === undefined || raw === '' ? fallback : Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    console.error(`${name} must be a whole number of days`);
    process.exit(2);
  }
  return value;
}

/** The signature covers the manifest's canonical JSON (keys sorted), everything but the signature itself. */
function canonical(value) {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

function sign(manifest, key) {
  const { signature: _signature, ...signed } = manifest;
  return createHmac('sha256', key).update(canonical(signed)).digest('hex');
}

function parseUntil(until) {
  const relative = /^(\d+)d$/.exec(until ?? '');
  const date = relative ? new Date(Date.now() - Number(relative[1]) * 86_400_000) : new Date(until);
  if (typeof until !== 'string' || Number.isNaN(date.getTime())) {
    console.error(`--until must be an ISO date or a number of days like 30d\n${USAGE}`);
    process.exit(2);
  }
  return date;
}

/** Verifies an archive directory; returns the problems found (empty: intact). */
export function verifyArchive(dir, key) {
  const problems = [];
  const manifestFile = path.join(dir, 'manifest.json');
  if (!fs.existsSync(manifestFile)) return [`${manifestFile} is missing`];
  const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  const expected = Buffer.from(sign(manifest, key), 'hex');
  const actual = Buffer.from(String(manifest.signature ?? ''), 'hex');
  if (actual.length !== expected.length || !timingSafeEqual(actual, expected)) {
    problems.push('manifest.json: the signature does not match (edited, or signed with another key)');
  }
  for (const db of manifest.databases ?? []) {
    const file = path.join(dir, db.file);
    if (!fs.existsSync(file)) {
      problems.push(`${db.file}: missing`);
      continue;
    }
    if (sha256File(file) !== db.sha256) problems.push(`${db.file}: its sha256 does not match the manifest`);
    let entries;
    try {
      entries = zlib
        .gunzipSync(fs.readFileSync(file))
        .toString('utf8')
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => JSON.parse(l));
    } catch (error) {
      problems.push(`${db.file}: unreadable (${error.message})`);
      continue;
    }
    if (entries.length !== db.count)
      problems.push(`${db.file}: ${entries.length} entries, the manifest says ${db.count}`);
    for (const p of verifyChain(entries, db.firstPrevHash)) problems.push(`${db.file}: ${p}`);
    const last = entries.at(-1);
    if (last && (Number(last.seq) !== db.lastSeq || last.hash !== db.lastHash)) {
      problems.push(`${db.file}: does not end at the manifest's last entry`);
    }
  }
  return problems;
}

async function hasPaymentLog(client) {
  const { rows } = await client.query(`SELECT to_regclass('public.payment_log') IS NOT NULL AS present`);
  return rows[0].present;
}

/** Chains the entries committed but not yet sealed (the services do it within a second; none may be running). */
async function sealPending(client) {
  const { rows } = await client.query(`SELECT to_regprocedure('payment_log_seal(integer)') IS NOT NULL AS present`);
  if (!rows[0].present) return;
  for (;;) {
    const { rows: sealed } = await client.query('SELECT payment_log_seal(5000) AS n');
    if (sealed[0].n < 5000) return;
  }
}

async function tableExists(client, table) {
  const { rows } = await client.query(`SELECT to_regclass($1) IS NOT NULL AS present`, [`public.${table}`]);
  return rows[0].present;
}

/** Deletes in batches, so a large backlog never holds long locks on a hot table. */
async function deleteInBatches(client, table, where, params) {
  let total = 0;
  for (;;) {
    const { rowCount } = await client.query(
      `DELETE FROM "${table}" WHERE ctid IN (SELECT ctid FROM "${table}" WHERE ${where} LIMIT 5000)`,
      params,
    );
    total += rowCount;
    if (rowCount < 5000) return total;
  }
}

async function archive(options) {
  const key = signingKey();
  const until = parseUntil(options.until);
  if (typeof options.out !== 'string') {
    console.error(USAGE);
    process.exit(2);
  }
  const retentionDays = daysFromEnv('ARCHIVE_RETENTION_DAYS', 90);
  const inboxDays = daysFromEnv('INBOX_RETENTION_DAYS', 30);
  const out = path.resolve(options.out);
  fs.mkdirSync(out, { recursive: true });
  if (fs.existsSync(path.join(out, 'manifest.json'))) {
    console.error(`${out} already holds an archive; choose a new directory`);
    process.exit(2);
  }
  const manifest = { format: 1, createdAt: new Date().toISOString(), until: until.toISOString(), databases: [] };
  const databases = [];
  for (const database of databasesFrom(options)) {
    await withClient(database, async (client) => {
      if (!(await hasPaymentLog(client))) return;
      await sealPending(client);
      const { rows: head } = await client.query('SELECT archived_seq FROM payment_log_head');
      const { rows } = await client.query(
        `SELECT seq, occurred_at, kind, body, prev_hash, hash FROM payment_log
          WHERE seq > $1 AND occurred_at < $2 ORDER BY seq`,
        [head[0].archived_seq, until],
      );
      // Entries are archived as a prefix of the chain: stop at the first gap in time order (a later seq that
      // occurred before --until cannot come after one that did not).
      const entries = [];
      for (const r of rows) {
        if (entries.length > 0 && Number(r.seq) !== Number(entries.at(-1).seq) + 1) break;
        entries.push({ ...r, seq: Number(r.seq), occurred_at: r.occurred_at.toISOString() });
      }
      if (entries.length === 0) return;
      const file = `${database}.payment-log.ndjson.gz`;
      fs.writeFileSync(path.join(out, file), zlib.gzipSync(entries.map((e) => JSON.stringify(e)).join('\n') + '\n'));
      manifest.databases.push({
        database,
        file,
        count: entries.length,
        firstSeq: entries[0].seq,
        lastSeq: entries.at(-1).seq,
        firstPrevHash: entries[0].prev_hash,
        lastHash: entries.at(-1).hash,
        sha256: sha256File(path.join(out, file)),
      });
      databases.push(database);
    });
  }
  manifest.signature = sign(manifest, key);
  fs.writeFileSync(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);

  // Nothing leaves the database unless the archive on disk verifies.
  const problems = verifyArchive(out, key);
  if (problems.length > 0) {
    for (const p of problems) console.error(`FAILED ${p}`);
    console.error('the archive did not verify: nothing was removed from the databases');
    process.exit(1);
  }
  const cutoff = new Date(Date.now() - retentionDays * 86_400_000);
  for (const db of manifest.databases) {
    await withClient(db.database, async (client) => {
      await client.query('BEGIN');
      await client.query(`SET LOCAL shop.payment_log_archiving = 'on'`);
      await client.query('UPDATE payment_log_head SET archived_seq = greatest(archived_seq, $1)', [db.lastSeq]);
      const { rowCount } = await client.query('DELETE FROM payment_log WHERE seq <= $1 AND occurred_at < $2', [
        db.lastSeq,
        cutoff,
      ]);
      await client.query('COMMIT');
      console.log(
        `${db.database}: ${db.count} entries archived (seq ${db.firstSeq}-${db.lastSeq}), ${rowCount} removed`,
      );
    });
  }
  // The other hot tables that would grow without bound, in every database that has them.
  const inboxCutoff = new Date(Date.now() - inboxDays * 86_400_000);
  for (const database of databasesFrom(options)) {
    await withClient(database, async (client) => {
      const removed = {};
      if (await tableExists(client, 'outbox_events')) {
        removed.outbox = await deleteInBatches(
          client,
          'outbox_events',
          'published_at IS NOT NULL AND published_at < $1',
          [cutoff],
        );
      }
      if (await tableExists(client, 'inbox_events')) {
        removed.inbox = await deleteInBatches(client, 'inbox_events', 'processed_at < $1', [inboxCutoff]);
      }
      // The request log is mirrored entry by entry in the payment log: only rows an archive holds may go.
      if (databases.includes(database) && (await tableExists(client, 'provider_request_log'))) {
        removed.requestLog = await deleteInBatches(
          client,
          'provider_request_log',
          'created_at < $1 AND created_at < $2',
          [cutoff, until],
        );
      }
      if (Object.keys(removed).length > 0) console.log(`${database}: removed ${JSON.stringify(removed)}`);
    });
  }
  console.log(`archive written and verified: ${out}`);
}

const { options, positional } = parseArgs(process.argv.slice(2));
if (positional[0] === 'verify') {
  if (!positional[1]) {
    console.error(USAGE);
    process.exit(2);
  }
  const problems = verifyArchive(path.resolve(positional[1]), signingKey());
  if (problems.length > 0) {
    for (const p of problems) console.error(`FAILED ${p}`);
    process.exit(1);
  }
  console.log(`archive verified: ${positional[1]}`);
} else if (options.until !== undefined) {
  await archive(options);
} else {
  console.error(USAGE);
  process.exit(2);
}
