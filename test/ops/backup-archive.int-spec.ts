// Backup, restore drill and the payment-log archive, against the real PostgreSQL: a ledger database migrated with
// the service's real migrations (its journal postings feed the hash-chained payment log), filled with 200
// postings written concurrently; then `npm run backup`, `npm run restore`, `npm run archive` and
// `npm run archive -- verify` as an operator runs them, and the ways an archive can be tampered with.
import 'reflect-metadata';
import { execFile } from 'node:child_process';
import { createHash, createHmac, randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { Client } from 'pg';
import { dropDatabase, migrateDatabase } from '@shop/persistence';
import { testDatabaseConfig, uniqueName } from '@shop/testing';
import { schema as ledgerSchema } from '../../apps/ledger-service/src/schema';

const ROOT = path.resolve(__dirname, '../..');
const KEY = createHash('sha256').update(randomUUID()).digest('hex');
jest.setTimeout(120_000);

function run(script: string, args: string[], env: Record<string, string> = {}) {
  return new Promise<{ code: number; out: string }>((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'scripts', script), ...args],
      { cwd: ROOT, env: { ...process.env, ARCHIVE_SIGNING_KEY: KEY, ...env }, timeout: 110_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}${stderr}` }),
    );
  });
}

describe('backup, restore and the payment-log archive', () => {
  const db = testDatabaseConfig(uniqueName('ledger_ops'));
  const suffix = `r${Date.now().toString(36)}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'shop-ops-'));
  let client: Client;

  async function post(): Promise<void> {
    const c = new Client({ host: db.DB_HOST, port: db.DB_PORT, user: db.DB_USER, database: db.DB_NAME });
    await c.connect();
    try {
      await c.query('BEGIN');
      const {
        rows: [tx],
      } = await c.query<{ id: string }>(
        `INSERT INTO journal_transactions (event_id, kind, order_no, description) VALUES ($1, 'payment', 'O1', 't')
         RETURNING id`,
        [randomUUID()],
      );
      await c.query(
        `INSERT INTO journal_entries (transaction_id, account_code, side, amount, currency) VALUES
           ($1, 'assets:alipay-clearing', 'debit', 19600, 'CNY'), ($1, 'liabilities:customer-orders', 'credit', 19600, 'CNY')`,
        [tx.id],
      );
      await c.query('COMMIT');
    } finally {
      await c.end();
    }
  }

  beforeAll(async () => {
    await migrateDatabase(db, ledgerSchema, 'ops-test');
    client = new Client({ host: db.DB_HOST, port: db.DB_PORT, user: db.DB_USER, database: db.DB_NAME });
    await client.connect();
    // 100 postings (200 entries) from 20 connections at once: the chain must come out whole.
    for (let round = 0; round < 5; round++) await Promise.all(Array.from({ length: 20 }, () => post()));
    // The entries are chained after commit by the service's sealer; no service runs here, so seal as it would.
    await client.query('SELECT payment_log_seal(1000)');
  });

  afterAll(async () => {
    await client?.end();
    await dropDatabase(db, db.DB_NAME).catch(() => undefined);
    await dropDatabase(db, `${db.DB_NAME}_${suffix}`).catch(() => undefined);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('chains every posting, in order, under concurrent writers', async () => {
    const { rows } = await client.query<{ seq: string; prev_hash: string; hash: string; kind: string; body: string }>(
      'SELECT seq, prev_hash, hash, kind, body FROM payment_log ORDER BY seq',
    );
    expect(rows).toHaveLength(200);
    let prev = '0'.repeat(64);
    rows.forEach((r, i) => {
      expect(Number(r.seq)).toBe(i + 1);
      expect(r.prev_hash).toBe(prev);
      expect(createHash('sha256').update(`${r.prev_hash}\n${r.seq}\n${r.kind}\n${r.body}`).digest('hex')).toBe(r.hash);
      prev = r.hash;
    });
    expect(JSON.parse(rows[0].body)).toMatchObject({ table: 'journal_entries', row: { amount: 19600 } });
  });

  it('refuses to change or delete a payment-log entry, even as the owner', async () => {
    await expect(client.query(`UPDATE payment_log SET body = '{}' WHERE seq = 1`)).rejects.toThrow(/append-only/);
    await expect(client.query('DELETE FROM payment_log WHERE seq = 1')).rejects.toThrow(/append-only/);
    await expect(client.query('TRUNCATE payment_log')).rejects.toThrow(/append-only/);
  });

  it('backs up with a manifest and passes a restore drill into scratch databases', async () => {
    const backup = await run('backup.mjs', ['--out', path.join(dir, 'backup'), '--databases', db.DB_NAME]);
    expect(backup.out).toContain('backup written');
    expect(backup.code).toBe(0);
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'backup', 'manifest.json'), 'utf8'));
    expect(manifest.databases[0]).toMatchObject({
      database: db.DB_NAME,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
      tables: { journal_entries: 200, payment_log: 200 },
    });
    expect(manifest.databases[0].migrations).toContain('CreatePaymentLog1764208000000');

    const restore = await run('restore.mjs', ['--from', path.join(dir, 'backup'), '--into', suffix]);
    expect(restore.out).toContain('restore verified');
    expect(restore.code).toBe(0);
    // The same suffix again is refused: a drill never overwrites a database.
    const again = await run('restore.mjs', ['--from', path.join(dir, 'backup'), '--into', suffix]);
    expect(again.code).toBe(1);
    expect(again.out).toContain('already exists');
  });

  it('refuses to restore a dump that does not match its manifest', async () => {
    const copy = path.join(dir, 'backup-tampered');
    fs.cpSync(path.join(dir, 'backup'), copy, { recursive: true });
    const dump = path.join(copy, `${db.DB_NAME}.dump`);
    const bytes = fs.readFileSync(dump);
    bytes[bytes.length - 10] ^= 0xff;
    fs.writeFileSync(dump, bytes);
    const restore = await run('restore.mjs', ['--from', copy, '--into', `${suffix}x`]);
    expect(restore.code).toBe(1);
    expect(restore.out).toContain('does not match the manifest');
  });

  describe('archive', () => {
    const archiveDir = path.join(dir, 'archive');
    const file = () => path.join(archiveDir, `${db.DB_NAME}.payment-log.ndjson.gz`);
    const verify = (where: string) => run('archive.mjs', ['verify', where]);

    beforeAll(async () => {
      // Everything so far, and retention 0: archived entries leave the hot table once the archive verified.
      const until = new Date(Date.now() + 60_000).toISOString();
      const result = await run('archive.mjs', ['--until', until, '--out', archiveDir, '--databases', db.DB_NAME], {
        ARCHIVE_RETENTION_DAYS: '0',
      });
      expect(result.out).toContain('archive written and verified');
      expect(result.code).toBe(0);
    });

    it('verifies, and removed exactly the archived entries from the hot table', async () => {
      const ok = await verify(archiveDir);
      expect(ok.out).toContain('archive verified');
      expect(ok.code).toBe(0);
      const { rows } = await client.query('SELECT count(*)::int AS n FROM payment_log');
      expect(rows[0].n).toBe(0);
      // The chain goes on from the archive's last hash.
      await post();
      await client.query('SELECT payment_log_seal(1000)');
      const manifest = JSON.parse(fs.readFileSync(path.join(archiveDir, 'manifest.json'), 'utf8'));
      const { rows: next } = await client.query('SELECT seq, prev_hash FROM payment_log ORDER BY seq LIMIT 1');
      expect(next[0]).toEqual({ seq: '201', prev_hash: manifest.databases[0].lastHash });
    });

    /** A copy of the archive, changed by `tamper`; with resign, its manifest re-signed as an insider with the key could. */
    function tampered(name: string, tamper: (lines: string[]) => string[], resign = false): string {
      const copy = path.join(dir, name);
      fs.cpSync(archiveDir, copy, { recursive: true });
      const target = path.join(copy, path.basename(file()));
      const lines = zlib.gunzipSync(fs.readFileSync(target)).toString('utf8').trim().split('\n');
      fs.writeFileSync(target, zlib.gzipSync(tamper(lines).join('\n') + '\n'));
      if (resign) {
        const manifestFile = path.join(copy, 'manifest.json');
        const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
        manifest.databases[0].sha256 = createHash('sha256').update(fs.readFileSync(target)).digest('hex');
        const { signature: _s, ...signed } = manifest;
        const canonical = (v: unknown): string =>
          Array.isArray(v)
            ? `[${v.map(canonical).join(',')}]`
            : v && typeof v === 'object'
              ? `{${Object.keys(v)
                  .sort()
                  .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
                  .join(',')}}`
              : JSON.stringify(v);
        manifest.signature = createHmac('sha256', KEY).update(canonical(signed)).digest('hex');
        fs.writeFileSync(manifestFile, JSON.stringify(manifest));
      }
      return copy;
    }

    it('detects a changed byte in an archive file', async () => {
      const copy = path.join(dir, 'flipped');
      fs.cpSync(archiveDir, copy, { recursive: true });
      const target = path.join(copy, path.basename(file()));
      const bytes = fs.readFileSync(target);
      bytes[Math.floor(bytes.length / 2)] ^= 0x01;
      fs.writeFileSync(target, bytes);
      const result = await verify(copy);
      expect(result.code).toBe(1);
      expect(result.out).toContain('sha256 does not match');
    });

    it('detects a changed, removed or reordered entry even under a re-signed manifest', async () => {
      const changed = await verify(
        tampered('changed', (l) => l.map((line, i) => (i === 5 ? line.replace('19600', '19601') : line)), true),
      );
      expect(changed.code).toBe(1);
      expect(changed.out).toContain('entry 6 was changed');
      const removed = await verify(tampered('removed', (l) => l.filter((_, i) => i !== 7), true));
      expect(removed.code).toBe(1);
      expect(removed.out).toMatch(/missing or out of order|199 entries/);
      const reordered = await verify(tampered('reordered', (l) => [l[0], l[2], l[1], ...l.slice(3)], true));
      expect(reordered.code).toBe(1);
      expect(reordered.out).toContain('out of order');
    });

    it('detects an edited manifest and a removed file', async () => {
      const edited = tampered('edited', (l) => l);
      const manifestFile = path.join(edited, 'manifest.json');
      const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
      manifest.databases[0].count = 150;
      fs.writeFileSync(manifestFile, JSON.stringify(manifest));
      const result = await verify(edited);
      expect(result.code).toBe(1);
      expect(result.out).toContain('signature does not match');

      const missing = tampered('missing', (l) => l);
      fs.rmSync(path.join(missing, path.basename(file())));
      const gone = await verify(missing);
      expect(gone.code).toBe(1);
      expect(gone.out).toContain('missing');
    });
  });
});
