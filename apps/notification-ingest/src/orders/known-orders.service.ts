import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Topics, paymentSucceededEventId, type OrderCreatedV1 } from '@shop/contracts';
import { MessagingService, recordInInbox } from '@shop/messaging';
import { afterCommit, inTransaction } from '@shop/persistence';
import { writePaymentSucceeded } from '../notifications/payment-event';

/** The inbox name under which notification-ingest records the events it applied. */
export const INGEST_CONSUMER = 'notification-ingest';

/** An order as the callbacks need it: its total in minor units and its currency. */
export interface KnownOrder {
  readonly orderNo: string;
  readonly totalAmount: number;
  readonly currency: string;
}

// Advisory lock class of "one order number" (the two-key form: its own key space, apart from the relay's lock).
const ORDER_LOCK_CLASS = 0x4b4e;

// How many orders with late-adoptable orphans one sweep handles.
const LATE_ADOPTION_BATCH = 100;

/** Whether an OrderCreated event was applied now or had been applied before. */
export type RecordOrderResult = 'recorded' | 'duplicate';

interface OrphanRow {
  id: string;
  provider: string;
  provider_transaction_id: string;
  kind: string;
  paid_at: Date | null;
  received_at: Date;
  amount: string;
  currency: string;
  anomaly_reported_at: Date | null;
  trace_parent: string | null;
}

/** The local projection of the order-service's orders: fed by OrderCreated, read by the callbacks. */
@Injectable()
export class KnownOrdersService {
  private readonly logger = new Logger(KnownOrdersService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: MessagingService,
  ) {}

  /**
   * Records an announced order, exactly once per event (inbox) and once per order number, and adopts the
   * orphans that were waiting for it (callbacks that overtook this event): their payments get their
   * PaymentSucceeded now, in the same transaction. Joins the consumer's shared transaction when there is one.
   */
  async recordOrderCreated(eventId: string, order: OrderCreatedV1, createdAt: Date): Promise<RecordOrderResult> {
    const result = await inTransaction(this.dataSource, async (manager) => {
      if (!(await recordInInbox(manager, INGEST_CONSUMER, eventId, Topics.OrderCreated))) return 'duplicate';
      await this.lockOrder(manager, order.orderNo);
      // A second event for the same order number (a re-publish under another id) changes nothing: the number,
      // total and currency of an order never change after creation.
      await manager.query(
        `INSERT INTO known_orders (order_no, total_amount, currency, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (order_no) DO NOTHING`,
        [order.orderNo, order.totalAmount, order.currency, createdAt],
      );
      const adopted = await this.adoptOrphans(manager, {
        orderNo: order.orderNo,
        totalAmount: order.totalAmount,
        currency: order.currency,
      });
      return adopted > 0 ? 'adopted' : 'recorded';
    });
    if (result === 'adopted') afterCommit(() => this.messaging.nudgeRelay());
    return result === 'adopted' ? 'recorded' : result;
  }

  /**
   * Serialises, per order number, a callback's "is this order known?" read with the adoption of that order's
   * orphans. Without it a callback could read "unknown" just before OrderCreated commits and store its orphan
   * just after the adoption looked for orphans: an orphan forever, for an order that exists. Taken at the start of
   * both transactions (before the read, under READ COMMITTED each later statement then sees the other's commit);
   * released at commit or rollback.
   */
  async lockOrder(manager: EntityManager, orderNo: string): Promise<void> {
    await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ORDER_LOCK_CLASS, orderNo]);
  }

  /**
   * Adopts orphans whose order has become known meanwhile (a safety net run by the orphan sweep before it reports
   * anything: an orphan whose order exists must never be reported as ORPHAN_PAYMENT). Returns the payments adopted.
   */
  async adoptLateOrphans(): Promise<number> {
    const orders: { order_no: string }[] = await this.dataSource.query(
      `SELECT DISTINCT p.order_no FROM provider_notifications p JOIN known_orders k ON k.order_no = p.order_no
       WHERE p.classification = 'orphan' LIMIT $1`,
      [LATE_ADOPTION_BATCH],
    );
    let adopted = 0;
    for (const { order_no: orderNo } of orders) {
      adopted += await this.dataSource.transaction(async (manager) => {
        await this.lockOrder(manager, orderNo);
        const order = await this.find(manager, orderNo);
        return order === undefined ? 0 : this.adoptOrphans(manager, order);
      });
    }
    if (adopted > 0) this.messaging.nudgeRelay();
    return adopted;
  }

  /** Classifies the order's orphan notifications now that the order is known; returns how many were payments. */
  private async adoptOrphans(manager: EntityManager, order: KnownOrder): Promise<number> {
    const orphans: OrphanRow[] = await manager.query(
      `SELECT id, provider, provider_transaction_id, kind, paid_at, received_at, amount, currency,
         anomaly_reported_at, trace_parent
       FROM provider_notifications WHERE order_no = $1 AND classification = 'orphan' ORDER BY id FOR UPDATE`,
      [order.orderNo],
    );
    let payments = 0;
    for (const orphan of orphans) {
      if (orphan.kind !== 'payment-succeeded') {
        await manager.query(`UPDATE provider_notifications SET classification = 'non_payment' WHERE id = $1`, [
          orphan.id,
        ]);
        continue;
      }
      const amount = Number(orphan.amount);
      const payment = {
        orderNo: order.orderNo,
        provider: orphan.provider,
        providerTransactionId: orphan.provider_transaction_id,
        amount,
        currency: orphan.currency,
        paidAt: orphan.paid_at ?? orphan.received_at,
        traceparent: orphan.trace_parent,
      };
      await writePaymentSucceeded(manager, payment);
      const matches = amount === order.totalAmount && orphan.currency === order.currency;
      await manager.query(`UPDATE provider_notifications SET classification = $2, event_id = $3 WHERE id = $1`, [
        orphan.id,
        matches ? 'payment' : 'amount_mismatch',
        paymentSucceededEventId(payment.provider, payment.providerTransactionId),
      ]);
      payments += 1;
      // Adopted within the grace period (the usual case) it was never reported and never will be: the orphan
      // sweep only reports rows still classified 'orphan'. Adopted after it was reported as ORPHAN_PAYMENT, the
      // payment now settles the order as well: say so loudly, for whoever handles that anomaly's refund.
      if (orphan.anomaly_reported_at !== null) {
        afterCommit(() =>
          this.logger.warn({
            orderNo: order.orderNo,
            provider: orphan.provider,
            providerTransactionId: orphan.provider_transaction_id,
            msg: 'an orphan payment already reported as ORPHAN_PAYMENT was adopted by its order; do not refund it',
          }),
        );
      }
    }
    return payments;
  }

  /** The order, or undefined when no OrderCreated for it has arrived; reads inside the caller's transaction. */
  async find(manager: EntityManager, orderNo: string): Promise<KnownOrder | undefined> {
    const rows: { order_no: string; total_amount: string; currency: string }[] = await manager.query(
      'SELECT order_no, total_amount, currency FROM known_orders WHERE order_no = $1',
      [orderNo],
    );
    const row = rows[0];
    // total_amount is checked > 0 and came from an OrderCreatedV1 integer, so it is a safe integer.
    return row && { orderNo: row.order_no, totalAmount: Number(row.total_amount), currency: row.currency };
  }
}
