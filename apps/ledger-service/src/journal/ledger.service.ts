import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  Topics,
  type AnomalyDismissedV1,
  type PaymentAnomalyDetectedV1,
  type PaymentSucceededV1,
  type RefundSucceededV1,
} from '@shop/contracts';
import { recordInInbox } from '@shop/messaging';
import { inTransaction } from '@shop/persistence';
import { Accounts } from './accounts';
import { toSafeAmount } from './amount';
import type { EntrySide } from './journal-entry.entity';
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
   * customer until the order is fulfilled (credit). Idempotent by event id. Joins the consumer's shared
   * transaction when there is one.
   */
  async postPaymentSucceeded(eventId: string, payment: PaymentSucceededV1): Promise<PostingResult> {
    return inTransaction(this.dataSource, async (manager) => {
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
   * Moves an anomaly's money to liabilities:refunds-due, where it waits for its refund or dismissal. A payment
   * that was posted (every type but an orphan, whose PaymentSucceeded never went out) leaves customer-orders; an
   * orphan's money enters the books here, from the provider's clearing account.
   */
  async postAnomalyDetected(eventId: string, anomaly: PaymentAnomalyDetectedV1): Promise<PostingResult> {
    return this.inTransaction(eventId, Topics.PaymentAnomalyDetected, (manager) => {
      if (anomaly.amount <= 0) return { status: 'duplicate' } as const; // nothing was taken: nothing to hold
      const money = { amount: anomaly.amount, currency: anomaly.currency };
      const from = anomaly.type === 'ORPHAN_PAYMENT' ? Accounts.clearing(anomaly.provider) : Accounts.customerOrders;
      return this.post(manager, {
        eventId,
        kind: 'payment-anomaly',
        orderNo: anomaly.orderNo.slice(0, 64),
        description: `${anomaly.type}: ${anomaly.provider} payment ${anomaly.providerTransactionId} held for refund`,
        entries: [
          { account: from, side: 'debit', ...money },
          { account: Accounts.refundsDue, side: 'credit', ...money },
        ],
      });
    });
  }

  /** A refund reverses its payment: out of customer-orders (or refunds-due for an anomaly), back to the provider. */
  async postRefundSucceeded(eventId: string, refund: RefundSucceededV1): Promise<PostingResult> {
    return this.inTransaction(eventId, Topics.RefundSucceeded, (manager) => {
      const money = { amount: refund.amount, currency: refund.currency };
      return this.post(manager, {
        eventId,
        kind: refund.kind === 'order' ? 'refund' : 'anomaly-refund',
        orderNo: refund.orderNo.slice(0, 64),
        description: `${refund.provider} refund ${refund.refundId} of payment ${refund.providerTransactionId}`,
        entries: [
          { account: refund.kind === 'order' ? Accounts.customerOrders : Accounts.refundsDue, side: 'debit', ...money },
          { account: Accounts.clearing(refund.provider), side: 'credit', ...money },
        ],
      });
    });
  }

  /** A dismissed anomaly's money leaves refunds-due: the shop keeps it. */
  async postAnomalyDismissed(eventId: string, dismissed: AnomalyDismissedV1): Promise<PostingResult> {
    return this.inTransaction(eventId, Topics.AnomalyDismissed, (manager) => {
      if (dismissed.amount <= 0) return { status: 'duplicate' } as const;
      const money = { amount: dismissed.amount, currency: dismissed.currency };
      return this.post(manager, {
        eventId,
        kind: 'anomaly-dismissed',
        orderNo: dismissed.orderNo.slice(0, 64),
        description: `${dismissed.anomalyType} ${dismissed.anomalyId} dismissed by ${dismissed.dismissedBy}: ${dismissed.reason}`,
        entries: [
          { account: Accounts.refundsDue, side: 'debit', ...money },
          { account: Accounts.retainedAnomalies, side: 'credit', ...money },
        ],
      });
    });
  }

  private inTransaction(
    eventId: string,
    topic: string,
    work: (manager: EntityManager) => Promise<PostingResult> | PostingResult,
  ): Promise<PostingResult> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await recordInInbox(manager, LEDGER_CONSUMER, eventId, topic))) return { status: 'duplicate' } as const;
      return work(manager);
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
    // One round trip: the accounts are checked, then the transaction and its entries written only if all exist.
    const [row]: { id: string | null; known: number }[] = await manager.query(
      `WITH known AS (
         SELECT count(*)::int AS n FROM accounts WHERE code = ANY($5::varchar[])
       ), tx AS (
         INSERT INTO journal_transactions (event_id, kind, order_no, description)
         SELECT $1, $2, $3, $4 FROM known WHERE known.n = cardinality($5::varchar[])
         ON CONFLICT (event_id) DO NOTHING RETURNING id
       ), entries AS (
         INSERT INTO journal_entries (transaction_id, account_code, side, amount, currency)
         SELECT tx.id, e.* FROM tx, unnest($6::varchar[], $7::varchar[], $8::bigint[], $9::char(3)[]) AS e
       )
       SELECT (SELECT id FROM tx) AS id, (SELECT n FROM known) AS known`,
      [
        posting.eventId,
        posting.kind,
        posting.orderNo,
        posting.description,
        codes,
        posting.entries.map((e) => e.account),
        posting.entries.map((e) => e.side),
        posting.entries.map((e) => String(e.amount)),
        posting.entries.map((e) => e.currency),
      ],
    );
    if (row.known !== codes.length) {
      const known: { code: string }[] = await manager.query('SELECT code FROM accounts WHERE code = ANY($1)', [codes]);
      const unknown = codes.filter((code) => !known.some((k) => k.code === code));
      throw new LedgerError('LEDGER_UNKNOWN_ACCOUNT', `Unknown account(s): ${unknown.join(', ')}`, {
        accounts: unknown,
      });
    }
    return row.id === null ? { status: 'duplicate' } : { status: 'posted', transactionId: row.id };
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
