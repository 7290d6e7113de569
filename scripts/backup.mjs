// `npm run backup -- --out <dir> [--databases a,b]`: a consistent pg_dump (custom format) of every service
// database plus manifest.json (sizes, sha256, row counts per table and the applied migrations, taken in the very
// snapshot pg_dump dumps, so a restore can be checked against them). DB_HOST/DB_PORT/DB_USER/DB_PASSWORD as the
// services use them.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { databasesFrom, parseArgs, pgTool, pgToolArgs, pgToolEnv, sha256File, withClient } from './lib/ops-db.mjs';

const { options } = parseArgs(process.argv.slice(2));
if (typeof options.out !== 'string') {
  console.error('Usage: npm run backup -- --out <dir> [--databases shop_order_service,...]');
  process.exit(2);
}
const out = path.resolve(options.out);
fs.mkdirSync(out, { recursive: true });
if (fs.existsSync(path.join(out, 'manifest.json'))) {
  console.error(`${out} already holds a backup (manifest.json); choose a new directory`);
  process.exit(2);
}

const pgDump = pgTool('pg_dump');
const pgDumpVersion = spawnSync(pgDump, ['--version'], { encoding: 'utf8' }).stdout.trim();
const manifest = { format: 1, createdAt: new Date().toISOString(), pgDump: pgDumpVersion, databases: [] };

for (const database of databasesFrom(options)) {
  const file = `${database}.dump`;
  await withClient(database, async (client) => {
    // One snapshot for the dump and the counts: what the manifest says is exactly what the dump holds.
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows: snap } = await client.query('SELECT pg_export_snapshot() AS id');
    const { rows: tables } = await client.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'
       ORDER BY table_name`,
    );
    const counts = {};
    for (const { table_name: table } of tables) {
      const { rows } = await client.query(`SELECT count(*)::bigint AS n FROM "${table}"`);
      counts[table] = Number(rows[0].n);
    }
    const migrations =
      counts.migrations === undefined
        ? []
        : (await client.query('SELECT name FROM migrations ORDER BY id')).rows.map((r) => r.name);
    const dump = spawnSync(
      pgDump,
      [...pgToolArgs(), '-d', database, '-Fc', '--no-owner', `--snapshot=${snap[0].id}`, '-f', path.join(out, file)],
      { encoding: 'utf8', env: pgToolEnv() },
    );
    await client.query('COMMIT');
    if (dump.status !== 0) throw new Error(`pg_dump of ${database} failed: ${dump.stderr.trim()}`);
    const bytes = fs.statSync(path.join(out, file)).size;
    manifest.databases.push({
      database,
      file,
      bytes,
      sha256: sha256File(path.join(out, file)),
      tables: counts,
      migrations,
    });
    console.log(`${database}: ${bytes} bytes, ${Object.keys(counts).length} tables`);
  });
}
fs.writeFileSync(path.join(out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
console.log(`backup written to ${out} (${manifest.databases.length} databases)`);
