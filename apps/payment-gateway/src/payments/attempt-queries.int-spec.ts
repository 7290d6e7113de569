import { DataSource } from 'typeorm';
import { migrateDatabase, postgresOptions } from '@shop/persistence';
import { createTestDatabase, type TestDatabase } from '@shop/testing';
import { schema } from '../schema';
import { MARK_NEWEST_PENDING_SUCCEEDED, PENDING_ATTEMPTS_OF_ORDER } from './attempt-queries';

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

function indexesOf(node: PlanNode): string[] {
  return [...(node['Index Name'] ? [node['Index Name']] : []), ...(node.Plans ?? []).flatMap(indexesOf)];
}

// Every paid attempt leaves a dead entry in the partial index of PENDING attempts (the active query's) until
// VACUUM runs; under load that is thousands. A lookup of one order's attempt must go by order number and touch a
// few pages, whatever the planner's statistics say about that index: through it, each payment read every dead
// entry (5-6 ms of PostgreSQL CPU per payment at 20,000 payments, growing with the table).
describe('lookups of an order’s attempts', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('pg_attempt_queries');
    await migrateDatabase(db.config, schema, 'attempt-queries-test');
    dataSource = new DataSource(postgresOptions(db.config, schema, 'attempt-queries-test'));
    await dataSource.initialize();
    // The state between two autovacuum runs, held still: 5,000 attempts paid since, one order still pending.
    await dataSource.query(`ALTER TABLE payment_attempts SET (autovacuum_enabled = false)`);
    await dataSource.query(
      `INSERT INTO payment_attempts (order_no, provider, method, amount, currency, subject)
       SELECT 'OLD' || i, 'alipay', 'qr', 100, 'CNY', 'old' FROM generate_series(1, 5000) AS i`,
    );
    await dataSource.query(
      `UPDATE payment_attempts SET status = 'SUCCEEDED', provider_transaction_id = 'T' || order_no,
         succeeded_at = now() WHERE status = 'PENDING'`,
    );
    // Statistics from after the payments: hardly any PENDING attempt, so the partial index looks empty.
    await dataSource.query(`ANALYZE payment_attempts`);
    await dataSource.query(
      `INSERT INTO payment_attempts (order_no, provider, method, amount, currency, subject)
       VALUES ('ORDNEW1', 'alipay', 'qr', 100, 'CNY', 'new')`,
    );
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  /** The executed plan of `sql` (rolled back), with the blocks it touched. */
  async function plan(sql: string, params: unknown[]): Promise<{ root: PlanNode; blocks: number }> {
    const runner = dataSource.createQueryRunner();
    await runner.startTransaction();
    try {
      const [row] = await runner.query(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
      const root = (row['QUERY PLAN'] as { Plan: PlanNode }[])[0].Plan;
      return { root, blocks: (root['Shared Hit Blocks'] ?? 0) + (root['Shared Read Blocks'] ?? 0) };
    } finally {
      await runner.rollbackTransaction();
      await runner.release();
    }
  }

  it('marks the pending attempt paid through the order-number index, not the dead entries of paid ones', async () => {
    const params = ['ORDNEW1', 'alipay', 'TNEW1', new Date()];
    const { root, blocks } = await plan(MARK_NEWEST_PENDING_SUCCEEDED, params);
    expect(indexesOf(root)).not.toContain('ix_payment_attempts_pending_query');
    expect(blocks).toBeLessThan(30);
    // And it does what it says.
    const [rows] = await dataSource.query(MARK_NEWEST_PENDING_SUCCEEDED, params);
    expect(rows).toHaveLength(1);
  });

  it('lists an order’s pending attempts through the order-number index', async () => {
    const { root, blocks } = await plan(PENDING_ATTEMPTS_OF_ORDER, ['OLD17']);
    expect(indexesOf(root)).not.toContain('ix_payment_attempts_pending_query');
    expect(blocks).toBeLessThan(30);
  });
});
