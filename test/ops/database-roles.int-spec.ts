// Production runs each service as a role that owns nothing: a migration job migrates as the owner and grants the
// role what the service needs (`main.js migrate`), and the service starts with DB_MIGRATIONS=skip. Here, against
// the real PostgreSQL: the grants, the append-only tables holding against the service's own role, and a service
// refusing to start on a database whose migrations have not run.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { dropDatabase, MigrationsPendingError, prepareDatabase } from '@shop/persistence';
import { startServiceForTest, testDatabaseConfig, uniqueName } from '@shop/testing';
import { schema as ledgerSchema } from '../../apps/ledger-service/src/schema';
import { service as ledgerService } from '../../apps/ledger-service/src/service';
import { schema as orderSchema } from '../../apps/order-service/src/schema';

const quiet = { info: () => undefined };

describe('the service database role', () => {
  const role = uniqueName('app_role')
    .toLowerCase()
    .replace(/[^a-z0-9_]/g, '_')
    .slice(0, 60);
  const ledger = testDatabaseConfig(uniqueName('ledger_roles'));
  const orders = testDatabaseConfig(uniqueName('orders_roles'));
  let admin: Client;
  let asRole: Client;
  let ordersAsRole: Client;

  beforeAll(async () => {
    admin = new Client({ host: ledger.DB_HOST, port: ledger.DB_PORT, user: ledger.DB_USER, database: 'postgres' });
    await admin.connect();
    await admin.query(`CREATE ROLE "${role}" LOGIN PASSWORD '${randomUUID()}'`);
    // What the migration job does: migrate as the owner, then grant the service role.
    await prepareDatabase(ledgerSchema)({ ...ledger, DB_APP_ROLE: role }, quiet);
    await prepareDatabase(orderSchema)({ ...orders, DB_APP_ROLE: role }, quiet);
    asRole = new Client({ host: ledger.DB_HOST, port: ledger.DB_PORT, user: role, database: ledger.DB_NAME });
    await asRole.connect();
    ordersAsRole = new Client({ host: orders.DB_HOST, port: orders.DB_PORT, user: role, database: orders.DB_NAME });
    await ordersAsRole.connect();
  });

  afterAll(async () => {
    await asRole?.end();
    await ordersAsRole?.end();
    await dropDatabase(ledger, ledger.DB_NAME).catch(() => undefined);
    await dropDatabase(orders, orders.DB_NAME).catch(() => undefined);
    await admin?.query(`DROP ROLE IF EXISTS "${role}"`);
    await admin?.end();
  });

  it('lets the service post to the ledger, and the payment log records it', async () => {
    await asRole.query('BEGIN');
    const {
      rows: [tx],
    } = await asRole.query<{ id: string }>(
      `INSERT INTO journal_transactions (event_id, kind, order_no, description) VALUES ($1, 'payment', 'O1', 't') RETURNING id`,
      [randomUUID()],
    );
    await asRole.query(
      `INSERT INTO journal_entries (transaction_id, account_code, side, amount, currency) VALUES
         ($1, 'assets:alipay-clearing', 'debit', 100, 'CNY'), ($1, 'liabilities:customer-orders', 'credit', 100, 'CNY')`,
      [tx?.id],
    );
    await asRole.query('COMMIT');
    // Chained after commit by the service's sealer, which runs as the service's role too.
    await asRole.query('SELECT payment_log_seal(100)');
    const { rows } = await asRole.query<{ n: number }>('SELECT count(*)::int AS n FROM payment_log');
    expect(rows[0]?.n).toBe(2);
  });

  it.each([
    ['UPDATE journal_entries SET amount = 1', /permission denied/],
    ['DELETE FROM journal_transactions', /permission denied/],
    ['UPDATE payment_log SET body = body', /permission denied/],
    ['DELETE FROM payment_log', /permission denied/],
    ['UPDATE payment_log_pending SET body = body', /permission denied/],
    ['DELETE FROM payment_log_pending', /permission denied/],
    ['ALTER TABLE journal_entries DISABLE TRIGGER USER', /must be owner/],
    ['DROP TABLE journal_entries', /must be owner/],
    ['CREATE TABLE sneaky (id int)', /permission denied/],
    ['INSERT INTO migrations (timestamp, name) VALUES (1, $$x$$)', /permission denied/],
  ])('refuses the service role: %s', async (sql, error) => {
    await expect(asRole.query(sql)).rejects.toThrow(error);
  });

  it('keeps the order timeline append-only for the order-service role too', async () => {
    await expect(ordersAsRole.query('UPDATE order_timeline SET actor = actor')).rejects.toThrow(/permission denied/);
    await expect(ordersAsRole.query('DELETE FROM order_timeline')).rejects.toThrow(/permission denied/);
    await expect(ordersAsRole.query('ALTER TABLE order_timeline DISABLE TRIGGER USER')).rejects.toThrow(
      /must be owner/,
    );
  });

  it('refuses to start a service with DB_MIGRATIONS=skip on a database whose migrations have not run', async () => {
    const fresh = testDatabaseConfig(uniqueName('ledger_unmigrated'));
    await admin.query(`CREATE DATABASE "${fresh.DB_NAME}"`);
    try {
      const start = startServiceForTest(ledgerService, { DB_NAME: fresh.DB_NAME, DB_MIGRATIONS: 'skip' });
      await expect(start).rejects.toThrow(MigrationsPendingError);
      await expect(start).rejects.toThrow(/pending migrations .*CreateJournal1764201800000.*DB_MIGRATIONS=skip/);
    } finally {
      await dropDatabase(fresh, fresh.DB_NAME).catch(() => undefined);
    }
  });

  it('starts a service with DB_MIGRATIONS=skip once the database is migrated', async () => {
    const running = await startServiceForTest(ledgerService, { DB_NAME: ledger.DB_NAME, DB_MIGRATIONS: 'skip' });
    const ready = await running.request({ method: 'GET', url: '/health/ready' });
    expect(ready.statusCode).toBe(200);
    await running.app.close();
  });
});
