import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Topics, type PaymentSucceededV1 } from '@shop/contracts';
import { recordInInbox } from '@shop/messaging';
import { Accounts } from './accounts';
import { toSafeAmount } from './amount';
import { JournalEntryEntity, type EntrySide } from './journal-entry.entity';
import { LedgerError } from './ledger.error';
import { assertBalanced, type Posting, type PostingResult } from './posting';

/** The inbox name under which the ledger records the events it applied. */
export const LEDGER_CONSUMER = 'ledger-service';

/** One journal entry as the order ledger endpoint shows it. */
export interface LedgerEntryView {
  transactionId: string;
  account: string;
  side: EntrySide;
  amount: number;
  currency: string;
  createdAt: string;
}

interface LedgerEntryRow {
  transaction_id: string;
  account_code: string;
  side: EntrySide;
  amount: string;
  currency: string;
  created_at: Date;
}

/** Writes balanced journal transactions, exactly once per event, and reads them back per order. */
@Injectable()
export class LedgerService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Books a confirmed payment: the provider's clearing account now holds the money (debit), and we owe it to the
   * customer until the order is fulfilled (credit). Idempotent by event id.
   */
  async postPaymentSucceeded(eventId: string, payment: PaymentSucceededV1): Promise<PostingResult> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await recordInInbox(manager, LEDGER_CONSUMER, eventId, Topics.PaymentSucceeded))) {
        return { status: 'duplicate' } as const;
      }
      const money = { amount: payment.amount, currency: payment.currency };
      return this.post(manager, {
        eventId,
        kind: 'payment-succeeded',
        orderNo: payment.orderNo,
        description: `${payment.provider} payment ${payment.providerTransactionId} for order ${payment.orderNo}`,
        entries: [
          { account: Accounts.clearing(payment.provider), side: 'debit', ...money },
          { account: Accounts.customerOrders, side: 'credit', ...money },
        ],
      });
    });
  }

  /**
   * Writes one journal transaction inside the caller's database transaction. Refuses unbalanced postings and
   * unknown accounts with a LedgerError; returns "duplicate" when the event was already posted, including by a
   * concurrent transaction (the unique event_id makes the later one wait for the first and then skip).
   */
  async post(manager: EntityManager, posting: Posting): Promise<PostingResult> {
    assertBalanced(posting);
    const codes = [...new Set(posting.entries.map((e) => e.account))];
    const known: { code: string }[] = await manager.query('SELECT code FROM accounts WHERE code = ANY($1)', [codes]);
    const unknown = codes.filter((code) => !known.some((k) => k.code === code));
    if (unknown.length > 0) {
      throw new LedgerError('LEDGER_UNKNOWN_ACCOUNT', `Unknown account(s): ${unknown.join(', ')}`, {
        accounts: unknown,
      });
    }
    const inserted: { id: string }[] = await manager.query(
      `INSERT INTO journal_transactions (event_id, kind, order_no, description) VALUES ($1, $2, $3, $4)
       ON CONFLICT (event_id) DO NOTHING RETURNING id`,
      [posting.eventId, posting.kind, posting.orderNo, posting.description],
    );
    const transactionId = inserted[0]?.id;
    if (!transactionId) return { status: 'duplicate' };
    await manager.insert(
      JournalEntryEntity,
      posting.entries.map((e) => ({
        transactionId,
        accountCode: e.account,
        side: e.side,
        amount: String(e.amount),
        currency: e.currency,
      })),
    );
    return { status: 'posted', transactionId };
  }

  /** Every entry of every journal transaction of an order, oldest first, debits before credits; [] if none. */
  async entriesForOrder(orderNo: string): Promise<LedgerEntryView[]> {
    const rows: LedgerEntryRow[] = await this.dataSource.query(
      `SELECT e.transaction_id, e.account_code, e.side, e.amount, e.currency, e.created_at
       FROM journal_entries e JOIN journal_transactions t ON t.id = e.transaction_id
       WHERE t.order_no = $1
       ORDER BY e.created_at, e.transaction_id, e.side = 'credit', e.id`,
      [orderNo],
    );
    return rows.map((r) => ({
      transactionId: r.transaction_id,
      account: r.account_code,
      side: r.side,
      amount: toSafeAmount(r.amount),
      currency: r.currency,
      createdAt: r.created_at.toISOString(),
    }));
  }
}
