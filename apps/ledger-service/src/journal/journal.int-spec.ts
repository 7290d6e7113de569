import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { PaymentSucceededV1 } from '@shop/contracts';
import { migrateDatabase, postgresOptions } from '@shop/persistence';
import { createTestDatabase, type TestDatabase } from '@shop/testing';
import { schema } from '../schema';
import { toSafeAmount } from './amount';
import { LedgerError } from './ledger.error';
import { LedgerService } from './ledger.service';
import type { Posting } from './posting';

// The journal's invariants against the real PostgreSQL with the real migrations: what the database itself
// refuses, whatever code (or operator) writes to it, and what LedgerService refuses before it gets there.
describe('the journal', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let ledger: LedgerService;

  beforeAll(async () => {
    db = await createTestDatabase('ledger_journal');
    await migrateDatabase(db.config, schema, 'ledger-journal-test');
    dataSource = new DataSource(postgresOptions(db.config, schema, 'ledger-journal-test'));
    await dataSource.initialize();
    ledger = new LedgerService(dataSource);
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await db?.drop();
  });

  async function insertTransaction(manager: EntityManager, orderNo = 'RAW0000001'): Promise<string> {
    const [{ id }] = await manager.query(
      `INSERT INTO journal_transactions (event_id, kind, order_no, description) VALUES ($1, 'test', $2, 'raw sql') RETURNING id`,
      [randomUUID(), orderNo],
    );
    return id as string;
  }

  async function insertEntry(
    manager: EntityManager,
    tx: string,
    account: string,
    side: string,
    amount: number,
    currency = 'CNY',
  ) {
    await manager.query(
      'INSERT INTO journal_entries (transaction_id, account_code, side, amount, currency) VALUES ($1, $2, $3, $4, $5)',
      [tx, account, side, amount, currency],
    );
  }

  async function count(table: string): Promise<number> {
    const [{ n }] = await dataSource.query(`SELECT count(*)::int AS n FROM ${table}`);
    return n as number;
  }

  /** A balanced transaction committed by raw SQL, for the append-only tests. */
  async function committedTransaction(): Promise<string> {
    return dataSource.transaction(async (m) => {
      const tx = await insertTransaction(m);
      await insertEntry(m, tx, 'assets:alipay-clearing', 'debit', 100);
      await insertEntry(m, tx, 'liabilities:customer-orders', 'credit', 100);
      return tx;
    });
  }

  function payment(overrides: Partial<PaymentSucceededV1> = {}): PaymentSucceededV1 {
    return Object.assign(new PaymentSucceededV1(), {
      orderNo: 'ORD20250001',
      provider: 'alipay',
      providerTransactionId: '2025112722001400001',
      amount: 12_345,
      currency: 'CNY',
      paidAt: '2025-11-27T10:00:00.000Z',
      ...overrides,
    });
  }

  describe('in the database', () => {
    it('seeds one clearing account per provider, the customer-orders and refunds-due liabilities and retained anomalies', async () => {
      const rows: { code: string; type: string }[] = await dataSource.query(
        'SELECT code, type FROM accounts ORDER BY code',
      );
      expect(rows).toEqual([
        { code: 'assets:alipay-clearing', type: 'asset' },
        { code: 'assets:stripe-clearing', type: 'asset' },
        { code: 'assets:unionpay-clearing', type: 'asset' },
        { code: 'assets:wechatpay-clearing', type: 'asset' },
        { code: 'liabilities:customer-orders', type: 'liability' },
        { code: 'liabilities:refunds-due', type: 'liability' },
        { code: 'revenue:retained-anomalies', type: 'revenue' },
      ]);
    });

    it('commits a balanced transaction written by raw SQL', async () => {
      const tx = await committedTransaction();
      const [{ n }] = await dataSource.query(
        'SELECT count(*)::int AS n FROM journal_entries WHERE transaction_id = $1',
        [tx],
      );
      expect(n).toBe(2);
    });

    it('refuses at commit a transaction whose debits (100) and credits (99) differ, and keeps none of it', async () => {
      const before = await count('journal_entries');
      const eventId = randomUUID();
      const write = dataSource.transaction(async (m) => {
        const [{ id }] = await m.query(
          `INSERT INTO journal_transactions (event_id, kind, description) VALUES ($1, 'test', 'unbalanced') RETURNING id`,
          [eventId],
        );
        await insertEntry(m, id, 'assets:alipay-clearing', 'debit', 100);
        // Deferred: each statement succeeds, the refusal comes only at COMMIT.
        await insertEntry(m, id, 'liabilities:customer-orders', 'credit', 99);
      });
      await expect(write).rejects.toThrow(/unbalanced: CNY debit 100 credit 99/);
      expect(await count('journal_entries')).toBe(before);
      expect(await dataSource.query('SELECT 1 FROM journal_transactions WHERE event_id = $1', [eventId])).toEqual([]);
    });

    it('checks the balance per currency: 100 CNY against 100 USD does not balance', async () => {
      const write = dataSource.transaction(async (m) => {
        const tx = await insertTransaction(m);
        await insertEntry(m, tx, 'assets:stripe-clearing', 'debit', 100, 'CNY');
        await insertEntry(m, tx, 'liabilities:customer-orders', 'credit', 100, 'USD');
      });
      await expect(write).rejects.toThrow(/unbalanced/);
    });

    it('refuses a transaction with a single entry or with none', async () => {
      const single = dataSource.transaction(async (m) => {
        const tx = await insertTransaction(m);
        await insertEntry(m, tx, 'assets:alipay-clearing', 'debit', 100);
      });
      await expect(single).rejects.toThrow(/has 1 entries; at least two are required/);
      const empty = dataSource.transaction((m) => insertTransaction(m));
      await expect(empty).rejects.toThrow(/has 0 entries; at least two are required/);
    });

    it('refuses an unbalanced entry appended later to a committed transaction', async () => {
      const tx = await committedTransaction();
      const append = dataSource.transaction((m) => insertEntry(m, tx, 'assets:alipay-clearing', 'debit', 1));
      await expect(append).rejects.toThrow(/unbalanced: CNY debit 101 credit 100/);
    });

    it('refuses zero or negative amounts and unknown sides', async () => {
      const tx = await committedTransaction();
      await expect(
        dataSource.transaction((m) => insertEntry(m, tx, 'assets:alipay-clearing', 'debit', 0)),
      ).rejects.toThrow(/ck_journal_entries_amount/);
      await expect(
        dataSource.transaction((m) => insertEntry(m, tx, 'assets:alipay-clearing', 'left', 5)),
      ).rejects.toThrow(/ck_journal_entries_side/);
    });

    it('is append-only: UPDATE, DELETE and TRUNCATE of entries and transactions are refused', async () => {
      const tx = await committedTransaction();
      await expect(
        dataSource.query('UPDATE journal_entries SET amount = 1 WHERE transaction_id = $1', [tx]),
      ).rejects.toThrow(/journal_entries is append-only: UPDATE refused/);
      await expect(dataSource.query('DELETE FROM journal_entries WHERE transaction_id = $1', [tx])).rejects.toThrow(
        /journal_entries is append-only: DELETE refused/,
      );
      await expect(
        dataSource.query(`UPDATE journal_transactions SET description = 'x' WHERE id = $1`, [tx]),
      ).rejects.toThrow(/journal_transactions is append-only: UPDATE refused/);
      await expect(dataSource.query('DELETE FROM journal_transactions WHERE id = $1', [tx])).rejects.toThrow(
        /journal_transactions is append-only: DELETE refused/,
      );
      await expect(dataSource.query('TRUNCATE journal_entries')).rejects.toThrow(/append-only: TRUNCATE refused/);
      const amounts: { amount: string }[] = await dataSource.query(
        'SELECT amount FROM journal_entries WHERE transaction_id = $1 ORDER BY id',
        [tx],
      );
      expect(amounts).toEqual([{ amount: '100' }, { amount: '100' }]);
    });
  });

  describe('LedgerService', () => {
    function posting(entries: Posting['entries']): Posting {
      return { eventId: randomUUID(), kind: 'test', orderNo: 'ORDSERVICE01', description: 'service test', entries };
    }

    async function refusal(p: Posting): Promise<LedgerError> {
      const error = await dataSource
        .transaction((m) => ledger.post(m, p))
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).toBeInstanceOf(LedgerError);
      return error as LedgerError;
    }

    it('refuses an unbalanced posting in code, before the database sees it', async () => {
      const before = await count('journal_transactions');
      const error = await refusal(
        posting([
          { account: 'assets:alipay-clearing', side: 'debit', amount: 100, currency: 'CNY' },
          { account: 'liabilities:customer-orders', side: 'credit', amount: 99, currency: 'CNY' },
        ]),
      );
      expect(error.code).toBe('LEDGER_UNBALANCED');
      expect(error.message).toContain('CNY debit 100 credit 99');
      expect(await count('journal_transactions')).toBe(before);
    });

    it('refuses amounts that are not positive safe integers, one entry, and unknown accounts', async () => {
      const entry = (amount: number, account = 'assets:alipay-clearing') => [
        { account, side: 'debit' as const, amount, currency: 'CNY' },
        { account: 'liabilities:customer-orders', side: 'credit' as const, amount, currency: 'CNY' },
      ];
      expect((await refusal(posting(entry(0)))).code).toBe('LEDGER_INVALID_AMOUNT');
      expect((await refusal(posting(entry(12.5)))).code).toBe('LEDGER_INVALID_AMOUNT');
      expect((await refusal(posting(entry(2 ** 53)))).code).toBe('LEDGER_INVALID_AMOUNT');
      expect((await refusal(posting(entry(100).slice(0, 1)))).code).toBe('LEDGER_TOO_FEW_ENTRIES');
      const unknown = await refusal(posting(entry(100, 'assets:paypal-clearing')));
      expect(unknown.code).toBe('LEDGER_UNKNOWN_ACCOUNT');
      expect(unknown.message).toContain('assets:paypal-clearing');
    });

    it('posts a payment once however many times, and however concurrently, the same event arrives', async () => {
      const eventId = randomUUID();
      const orderNo = 'ORDCONCURRENT1';
      const results = await Promise.all(
        Array.from({ length: 10 }, () => ledger.postPaymentSucceeded(eventId, payment({ orderNo }))),
      );
      expect(results.filter((r) => r.status === 'posted')).toHaveLength(1);
      expect(results.filter((r) => r.status === 'duplicate')).toHaveLength(9);
      const again = await ledger.postPaymentSucceeded(eventId, payment({ orderNo }));
      expect(again).toEqual({ status: 'duplicate' });
      const [{ n }] = await dataSource.query(
        'SELECT count(*)::int AS n FROM journal_transactions WHERE event_id = $1',
        [eventId],
      );
      expect(n).toBe(1);
      const entries = await ledger.entriesForOrder(orderNo);
      expect(entries.map((e) => [e.account, e.side, e.amount, e.currency])).toEqual([
        ['assets:alipay-clearing', 'debit', 12_345, 'CNY'],
        ['liabilities:customer-orders', 'credit', 12_345, 'CNY'],
      ]);
    });

    it('treats a posting whose event id is already in the journal as a duplicate, even past the inbox', async () => {
      const p = posting([
        { account: 'assets:unionpay-clearing', side: 'debit', amount: 7, currency: 'CNY' },
        { account: 'liabilities:customer-orders', side: 'credit', amount: 7, currency: 'CNY' },
      ]);
      const results = await Promise.all(
        Array.from({ length: 5 }, () => dataSource.transaction((m) => ledger.post(m, p))),
      );
      expect(results.filter((r) => r.status === 'posted')).toHaveLength(1);
      const [{ n }] = await dataSource.query(
        'SELECT count(*)::int AS n FROM journal_transactions WHERE event_id = $1',
        [p.eventId],
      );
      expect(n).toBe(1);
    });

    it('reads bigint amounts only while they are safe JavaScript integers', () => {
      expect(toSafeAmount('9007199254740991')).toBe(Number.MAX_SAFE_INTEGER);
      expect(() => toSafeAmount('9007199254740993')).toThrow(LedgerError);
    });
  });
});
