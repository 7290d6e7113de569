import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@shop/testing';
import { postgresOptions } from './data-source-options';
import { afterCommit, inTransaction, withSharedTransaction } from './shared-transaction';

describe('shared transactions', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('shared_transaction');
    dataSource = new DataSource({
      ...postgresOptions(db.config, { entities: [], migrations: [] }, 'shared-transaction-test'),
      poolSize: 3,
    });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE applied (event text PRIMARY KEY, txid bigint NOT NULL)');
  });

  beforeEach(() => dataSource.query('TRUNCATE applied'));

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  /** One unit of work as a consumer's handler does it: record the event, in the transaction it is given. */
  const apply = (event: string) =>
    inTransaction(dataSource, (manager) =>
      manager.query('INSERT INTO applied (event, txid) VALUES ($1, txid_current())', [event]),
    );

  const applied = async () =>
    (await dataSource.query<{ event: string; txid: string }[]>('SELECT event, txid FROM applied ORDER BY event')).map(
      (r) => r.event,
    );

  it('runs every unit of work inside it in one transaction, committed once', async () => {
    await withSharedTransaction(dataSource, async () => {
      await apply('a');
      await apply('b');
      await apply('c');
      // Not committed yet: another connection does not see them.
      expect(await dataSource.query('SELECT count(*)::int AS n FROM applied')).toEqual([{ n: 0 }]);
    });
    const rows: { txid: string }[] = await dataSource.query('SELECT DISTINCT txid FROM applied');
    expect(rows).toHaveLength(1);
    expect(await applied()).toEqual(['a', 'b', 'c']);
  });

  it('gives each unit of work its own transaction outside a shared one', async () => {
    await apply('a');
    await apply('b');
    const rows: { txid: string }[] = await dataSource.query('SELECT DISTINCT txid FROM applied');
    expect(rows).toHaveLength(2);
  });

  it('commits nothing when a unit of work failed, even if its caller caught the error', async () => {
    const order: string[] = [];
    await expect(
      withSharedTransaction(dataSource, async () => {
        await apply('a');
        afterCommit(() => order.push('a'));
        // A duplicate key aborts the PostgreSQL transaction; the caller swallows it and carries on.
        await apply('a').catch(() => undefined);
        afterCommit(() => order.push('b'));
      }),
    ).rejects.toThrow(/duplicate key/);
    expect(await applied()).toEqual([]);
    expect(order).toEqual([]);
  });

  it('rolls back when the work throws outside any unit of work', async () => {
    await expect(
      withSharedTransaction(dataSource, async () => {
        await apply('a');
        throw new Error('payload breaks the contract');
      }),
    ).rejects.toThrow('payload breaks the contract');
    expect(await applied()).toEqual([]);
  });

  it('runs afterCommit callbacks once committed, in order, and at once outside a shared transaction', async () => {
    const order: string[] = [];
    await withSharedTransaction(dataSource, async () => {
      await apply('a');
      afterCommit(() => order.push('first'));
      await apply('b');
      afterCommit(() => order.push('second'));
      expect(order).toEqual([]);
    });
    expect(order).toEqual(['first', 'second']);
    afterCommit(() => order.push('alone'));
    expect(order).toEqual(['first', 'second', 'alone']);
  });

  it('leaves another data source to its own transactions', async () => {
    const other = new DataSource({
      ...postgresOptions(db.config, { entities: [], migrations: [] }, 'shared-transaction-other'),
      poolSize: 1,
    });
    await other.initialize();
    try {
      await withSharedTransaction(dataSource, async () => {
        await inTransaction(other, (manager) =>
          manager.query(`INSERT INTO applied (event, txid) VALUES ('other', txid_current())`),
        );
        // Committed on its own: visible before the shared transaction ends.
        expect(await dataSource.query(`SELECT event FROM applied`)).toEqual([{ event: 'other' }]);
      });
    } finally {
      await other.destroy();
    }
  });
});
