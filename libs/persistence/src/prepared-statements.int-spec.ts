import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@shop/testing';
import { postgresOptions } from './data-source-options';

describe('prepared statements', () => {
  let db: TestDatabase;
  let dataSource: DataSource;

  beforeAll(async () => {
    db = await createTestDatabase('prepared_statements');
    dataSource = new DataSource({
      ...postgresOptions(db.config, { entities: [], migrations: [] }, 'prepared-statements-test'),
      poolSize: 2,
    });
    await dataSource.initialize();
    await dataSource.query('CREATE TABLE things (id int PRIMARY KEY, label text NOT NULL)');
    await dataSource.query(`INSERT INTO things VALUES (1, 'one'), (2, 'two')`);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  /** The texts this connection holds as prepared statements. */
  async function preparedOn(runner: ReturnType<DataSource['createQueryRunner']>): Promise<string[]> {
    const rows: { statement: string }[] = await runner.query('SELECT statement FROM pg_prepared_statements');
    return rows.map((r) => r.statement);
  }

  it('prepares a parameterised statement once per connection and answers as before', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      const text = 'SELECT label FROM things WHERE id = $1';
      expect(await runner.query(text, [1])).toEqual([{ label: 'one' }]);
      expect(await runner.query(text, [2])).toEqual([{ label: 'two' }]);
      const prepared = await preparedOn(runner);
      expect(prepared.filter((s) => s === text)).toHaveLength(1);
      // Without parameters (BEGIN, COMMIT, DDL) nothing is prepared.
      await runner.query('SELECT count(*) FROM things');
      expect(await preparedOn(runner)).not.toContain('SELECT count(*) FROM things');
    } finally {
      await runner.release();
    }
  });

  it('keeps working after a migration changes the columns a prepared SELECT * answers', async () => {
    const runner = dataSource.createQueryRunner();
    try {
      const text = 'SELECT * FROM things WHERE id = $1';
      expect(await runner.query(text, [1])).toEqual([{ id: 1, label: 'one' }]);
      await dataSource.query(`ALTER TABLE things ADD COLUMN colour text NOT NULL DEFAULT 'red'`);
      // PostgreSQL refuses the stale statement once; the next execution prepares the text afresh.
      await runner.query(text, [1]).catch((error: Error) => {
        expect(error.message).toContain('cached plan must not change result type');
      });
      expect(await runner.query(text, [1])).toEqual([{ id: 1, label: 'one', colour: 'red' }]);
    } finally {
      await runner.release();
    }
  });
});
