import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { OrderPaidV1, Topics, deterministicEventId, type PaymentSucceededV1 } from '@shop/contracts';
import { MessagingService, outboxRow } from '@shop/messaging';
import { Money, parseCurrency } from '@shop/money';
import { afterCommit, inTransaction } from '@shop/persistence';
import { OrdersRepository, type OrderRecord } from '../orders/orders.repository';
import { ORDER_SERVICE } from '../orders/orders.service';
import { writePaymentAnomaly } from './payment-anomaly';

/** The inbox name under which the order-service records the events it applied. */
export const ORDER_CONSUMER = 'order-service';

/** What applying a PaymentSucceeded did; the handler logs it, tests and metrics can switch on it. */
export type PaymentOutcome =
  /** This event id was applied before: nothing changed. */
  | 'duplicate'
  /** No such order (notification-ingest keeps the payment as an orphan): recorded as seen, nothing else. */
  | 'unknown-order'
  /** PENDING_PAYMENT -> PAID, with a timeline entry and an OrderPaid event. */
  | 'paid'
  /** Already PAID by this very provider transaction (another event id for the same payment): nothing changed. */
  | 'already-paid'
  /** Amount or currency differ from the order's: not paid, flagged for review. */
  | 'amount-mismatch'
  /**
   * Money for an order already paid by another transaction (DUPLICATE_PAYMENT) or cancelled (LATE_PAYMENT):
   * recorded on the timeline and published as an anomaly.
   */
  | 'after-final-state';

/** Applies verified payments to orders: the consuming side of the core flow's step 4. */
@Injectable()
export class OrderPaymentsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly orders: OrdersRepository,
    private readonly messaging: MessagingService,
  ) {}

  /**
   * In one transaction: records the event in the inbox (a duplicate changes nothing), locks the order, and
   * either pays it (conditional PENDING_PAYMENT -> PAID, timeline "paid", OrderPaid in the outbox), flags it for
   * review when amount or currency differ, or records a payment that arrived after the order was settled.
   * Whatever the event, the order never moves backwards. Joins the consumer's shared transaction when there is
   * one (one commit per fetched batch).
   */
  async applyPaymentSucceeded(eventId: string, payment: PaymentSucceededV1): Promise<PaymentOutcome> {
    const outcome = await inTransaction(this.dataSource, async (manager): Promise<PaymentOutcome> => {
      // The inbox row, then the order's row lock, in one round trip. The lock serialises different events for one
      // order (two replicas, a callback and a query result): the second sees what the first did.
      const { fresh, order } = await this.orders.recordEventAndLock(
        manager,
        { consumer: ORDER_CONSUMER, eventId, topic: Topics.PaymentSucceeded },
        payment.orderNo,
      );
      if (!fresh) return 'duplicate';
      if (!order) return 'unknown-order';
      // The very transaction that paid the order, in any later state too (SHIPPED, REFUNDED): not a second
      // payment, so never a DUPLICATE_PAYMENT (an active query of a shipped order's payment is harmless).
      if (
        order.providerTransactionId !== null &&
        order.paymentProvider === payment.provider &&
        order.providerTransactionId === payment.providerTransactionId
      ) {
        return 'already-paid';
      }
      const seen = {
        eventId,
        provider: payment.provider,
        providerTransactionId: payment.providerTransactionId,
        amount: payment.amount,
        currency: payment.currency,
        paidAt: payment.paidAt,
      };
      if (!this.matchesTotal(order, payment)) {
        const detail = {
          expected: { amount: order.totalAmount, currency: order.currency },
          got: { amount: payment.amount, currency: payment.currency },
          provider: payment.provider,
          providerTransactionId: payment.providerTransactionId,
          eventId,
          statusAtArrival: order.status,
        };
        await this.orders.flagForReview(manager, order.id, 'AMOUNT_MISMATCH', detail);
        await this.orders.addTimelineEntry(manager, order.id, 'payment-amount-mismatch', detail);
        // One anomaly per payment: a wrong amount is AMOUNT_MISMATCH whatever the order's status (the detail
        // says which), since the money can settle nothing either way.
        await writePaymentAnomaly(manager, 'AMOUNT_MISMATCH', payment, {
          expected: detail.expected,
          statusAtArrival: order.status,
          eventId,
        });
        return 'amount-mismatch';
      }
      if (order.status !== 'PENDING_PAYMENT') {
        // Anomalies (a second payment, money for a cancelled order) get automatic refunds in a later issue;
        // until then the payment is recorded on the order and published as an anomaly, never dropped silently.
        const paidBy =
          order.providerTransactionId === null
            ? null
            : { provider: order.paymentProvider, providerTransactionId: order.providerTransactionId };
        await this.orders.addTimelineEntry(manager, order.id, 'payment-after-final-state', {
          ...seen,
          status: order.status,
          paidBy,
        });
        // CANCELLED (an expiry too) was never paid: the money came late. Any other status here (PAID, SHIPPED,
        // REFUNDED) was paid by another transaction (the same one returned 'already-paid' above): a duplicate.
        const type = order.status === 'CANCELLED' ? 'LATE_PAYMENT' : 'DUPLICATE_PAYMENT';
        await writePaymentAnomaly(manager, type, payment, { statusAtArrival: order.status, paidBy, eventId });
        return 'after-final-state';
      }
      const paid: OrderPaidV1 = {
        orderNo: order.orderNo,
        customerId: order.customerId,
        provider: payment.provider,
        providerTransactionId: payment.providerTransactionId,
        amount: payment.amount,
        currency: payment.currency,
        paidAt: payment.paidAt,
      };
      // The move, its "paid" entry and OrderPaid in one round trip.
      const moved = await this.orders.transitionRecorded(
        manager,
        {
          orderNo: order.orderNo,
          from: 'PENDING_PAYMENT',
          to: 'PAID',
          changes: {
            paid_at: payment.paidAt,
            payment_provider: payment.provider,
            provider_transaction_id: payment.providerTransactionId,
          },
        },
        { event: 'paid', detail: seen },
        outboxRow(ORDER_SERVICE, {
          topic: Topics.OrderPaid,
          type: OrderPaidV1.type,
          version: OrderPaidV1.version,
          key: order.orderNo,
          // An order is paid once; the deterministic id turns any second attempt into a no-op in the outbox.
          eventId: deterministicEventId(ORDER_SERVICE, order.orderNo, OrderPaidV1.type),
          payload: paid,
        }),
      );
      // Cannot happen under the row lock; if it ever does, failing lets the consumer retry on fresh state.
      if (!moved) throw new Error(`order ${order.orderNo} left PENDING_PAYMENT while locked`);
      return 'paid';
    });
    // Every outcome but these wrote an event (OrderPaid or PaymentAnomalyDetected) worth publishing now.
    if (outcome !== 'duplicate' && outcome !== 'unknown-order' && outcome !== 'already-paid') {
      afterCommit(() => this.messaging.nudgeRelay());
    }
    return outcome;
  }

  // Integer minor units in one currency on both sides: compared exactly, never as decimals.
  private matchesTotal(order: OrderRecord, payment: PaymentSucceededV1): boolean {
    const expected = Money.of(order.totalAmount, parseCurrency(order.currency));
    const got = Money.of(payment.amount, parseCurrency(payment.currency));
    return got.equals(expected);
  }
}
