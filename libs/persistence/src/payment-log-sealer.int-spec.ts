// The payment log chained after commit (payment-log-sealing.migration.ts), against the real PostgreSQL: writers
// append pending entries in their own commits, sealers chain them in batches, and the chain comes out whole.
import { createHash } from 'node:crypto';
import pino from 'pino';
import type { MigrationInterface, QueryRunner } from 'typeorm';
import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@shop/testing';
import { postgresOptions } from './data-source-options';
import { migrateDatabase } from './migrate';
import { createPaymentLog, dropPaymentLog } from './payment-log.migration';
import { PaymentLogSealer } from './payment-log-sealer';
import { SealPaymentLogAfterCommit1764210000000 } from './payment-log-sealing.migration';

const SOURCES = [{ table: 'facts', kind: 'fact' }];

class CreateFacts1764100000000 implements MigrationInterface {
  name = 'CreateFacts1764100000000';
  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('CREATE TABLE facts (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, n int NOT NULL)');
    await createPaymentLog(queryRunner, SOURCES);
  }
  async down(queryRunner: QueryRunner): Promise<void> {
    await dropPaymentLog(queryRunner, SOURCES);
    await queryRunner.query('DROP TABLE facts');
  }
}

const schema = { entities: [], migrations: [CreateFacts1764100000000, SealPaymentLogAfterCommit1764210000000] };
const quiet = pino({ level: 'silent' });

interface Entry {
  seq: string;
  kind: string;
  body: string;
  prev_hash: string;
  hash: string;
}

/** Walks the whole chain from the genesis hash; returns the problems found (none for a whole chain). */
function chainProblems(entries: Entry[]): string[] {
  const problems: string[] = [];
  let prev = '0'.repeat(64);
  entries.forEach((e, i) => {
    if (Number(e.seq) !== i + 1) problems.push(`entry ${i} has seq ${e.seq}`);
    if (e.prev_hash !== prev) problems.push(`seq ${e.seq} does not follow its predecessor`);
    const hash = createHash('sha256').update(`${e.prev_hash}\n${e.seq}\n${e.kind}\n${e.body}`).digest('hex');
    if (hash !== e.hash) problems.push(`seq ${e.seq} hash does not match`);
    prev = e.hash;
  });
  return problems;
}

describe('payment log sealed after commit', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  const entries = () =>
    dataSource.query<Entry[]>('SELECT seq, kind, body, prev_hash, hash FROM payment_log ORDER BY seq');
  const count = async (table: string) =>
    (await dataSource.query<{ n: number }[]>(`SELECT count(*)::int AS n FROM ${table}`))[0].n;

  beforeAll(async () => {
    db = await createTestDatabase('payment_log_sealing');
    await migrateDatabase(db.config, schema, 'payment-log-test');
    dataSource = new DataSource({ ...postgresOptions(db.config, schema, 'payment-log-test'), poolSize: 24 });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  it('leaves a committed fact pending, with nothing chained, until a sealer runs', async () => {
    await dataSource.query('INSERT INTO facts (n) VALUES (0)');
    expect(await count('payment_log_pending')).toBe(1);
    expect(await count('payment_log')).toBe(0);
    const sealer = new PaymentLogSealer(dataSource, quiet);
    expect(await sealer.sealPending()).toBe(1);
    expect(await count('payment_log_pending')).toBe(0);
    const [entry] = await entries();
    expect(entry).toMatchObject({ seq: '1', kind: 'fact' });
    expect(JSON.parse(entry.body)).toMatchObject({ table: 'facts', row: { n: 0 } });
    expect(chainProblems(await entries())).toEqual([]);
  });

  it('logs nothing for a fact that was rolled back', async () => {
    const before = await count('payment_log_pending');
    await dataSource
      .transaction(async (manager) => {
        await manager.query('INSERT INTO facts (n) VALUES (-1)');
        throw new Error('rolled back');
      })
      .catch(() => undefined);
    expect(await count('payment_log_pending')).toBe(before);
  });

  it('chains every fact exactly once, in one whole chain, with writers and two sealers running at once', async () => {
    // Small batches and a short interval, so the two sealers contend for the head many times while writing goes on.
    const sealers = [1, 2].map(() => new PaymentLogSealer(dataSource, quiet, { batchSize: 7, intervalMs: 2 }));
    sealers.forEach((s) => s.start());
    const writers = Array.from({ length: 20 }, (_, w) =>
      (async () => {
        for (let i = 1; i <= 25; i++) {
          await dataSource.transaction(async (manager) => {
            await manager.query('INSERT INTO facts (n) VALUES ($1), ($2)', [w * 1000 + i, -(w * 1000 + i)]);
          });
        }
      })(),
    );
    await Promise.all(writers);
    await Promise.all(sealers.map((s) => s.stop()));

    expect(await count('payment_log_pending')).toBe(0);
    const chain = await entries();
    expect(chainProblems(chain)).toEqual([]);
    // Every fact once: 1 from the first test, 1,000 here.
    expect(chain).toHaveLength(1001);
    const facts = chain.map((e) => (JSON.parse(e.body) as { row: { id: number } }).row.id);
    expect(new Set(facts).size).toBe(1001);
    const [head] = await dataSource.query<{ seq: string; hash: string }[]>('SELECT seq, hash FROM payment_log_head');
    expect(head).toEqual({ seq: '1001', hash: chain.at(-1)?.hash });
  });

  it('lets a second sealer return at once while the first holds the head', async () => {
    await dataSource.query('INSERT INTO facts (n) VALUES (7)');
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    try {
      await runner.startTransaction();
      await runner.query('SELECT * FROM payment_log_head FOR UPDATE');
      expect(await new PaymentLogSealer(dataSource, quiet).sealPending()).toBe(0);
      await runner.rollbackTransaction();
    } finally {
      await runner.release();
    }
    expect(await new PaymentLogSealer(dataSource, quiet).sealPending()).toBe(1);
  });

  it('refuses to change, remove or truncate a pending entry, even as the owner', async () => {
    await dataSource.query('INSERT INTO facts (n) VALUES (8)');
    await expect(dataSource.query(`UPDATE payment_log_pending SET body = '{}'`)).rejects.toThrow(/append-only/);
    await expect(dataSource.query('DELETE FROM payment_log_pending')).rejects.toThrow(/append-only/);
    await expect(dataSource.query('TRUNCATE payment_log_pending')).rejects.toThrow(/append-only/);
    expect(await count('payment_log_pending')).toBe(1);
  });

  it('chains what is pending when the migration is reverted, and then chains at commit again', async () => {
    expect(await count('payment_log_pending')).toBe(1);
    await dataSource.undoLastMigration();
    try {
      expect(await count('payment_log')).toBe(1003);
      await dataSource.query('INSERT INTO facts (n) VALUES (9)');
      const chain = await entries();
      expect(chain).toHaveLength(1004);
      expect(chainProblems(chain)).toEqual([]);
    } finally {
      await dataSource.runMigrations();
    }
    await dataSource.query('INSERT INTO facts (n) VALUES (10)');
    expect(await new PaymentLogSealer(dataSource, quiet).sealPending()).toBe(1);
    expect(chainProblems(await entries())).toEqual([]);
  });
});
