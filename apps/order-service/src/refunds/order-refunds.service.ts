import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Topics, type RefundFailedV1, type RefundSucceededV1 } from '@shop/contracts';
import { recordInInbox } from '@shop/messaging';
import { OrdersRepository } from '../orders/orders.repository';
import { ORDER_CONSUMER } from '../payments/order-payments.service';

/** What applying a refund outcome did to the order. */
export type RefundOutcome =
  /** This event id was applied before. */
  | 'duplicate'
  /** No such order here (an orphan payment's refund), or an anomaly's refund: the order's money is untouched. */
  | 'not-an-order-refund'
  /** refunded_amount grew; the order is PARTIALLY_REFUNDED or REFUNDED. */
  | 'refunded'
  /** A failed refund, or an anomaly refund: recorded on the order's timeline only. */
  | 'recorded';

/**
 * Applies refund outcomes to orders: a succeeded order refund adds to refunded_amount and moves the order to
 * PARTIALLY_REFUNDED, or REFUNDED at the total, in one transaction with its inbox record and a timeline entry
 * naming the admin who asked (the audit). Refunds of anomalies and failed refunds only add a timeline entry.
 */
@Injectable()
export class OrderRefundsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly orders: OrdersRepository,
  ) {}

  async applySucceeded(eventId: string, refund: RefundSucceededV1): Promise<RefundOutcome> {
    return this.dataSource.transaction(async (manager): Promise<RefundOutcome> => {
      if (!(await recordInInbox(manager, ORDER_CONSUMER, eventId, Topics.RefundSucceeded))) return 'duplicate';
      const order = await this.orders.find(manager, refund.orderNo, { forUpdate: true });
      if (!order) return 'not-an-order-refund';
      const detail = {
        refundId: refund.refundId,
        amount: refund.amount,
        currency: refund.currency,
        reason: refund.reason,
        provider: refund.provider,
        providerTransactionId: refund.providerTransactionId,
      };
      if (refund.kind === 'anomaly') {
        await this.orders.addTimelineEntry(
          manager,
          order.id,
          'anomaly-refunded',
          { ...detail, anomalyId: refund.anomalyId, anomalyType: refund.anomalyType },
          refund.requestedBy,
        );
        return 'recorded';
      }
      // The payment-gateway never lets refunds exceed what was captured, and the order's CHECK holds the sum
      // within the total: a violation here would be a bug, and fails loudly rather than clamping.
      const refundedAmount = order.refundedAmount + refund.amount;
      const to = refundedAmount >= order.totalAmount ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
      // Status and amount in one UPDATE: the database checks REFUNDED <=> refunded_amount = total per statement.
      if (to === order.status) await this.orders.setRefundedAmount(manager, order.id, refundedAmount);
      else await this.orders.transition(manager, order.orderNo, order.status, to, { refunded_amount: refundedAmount });
      await this.orders.addTimelineEntry(
        manager,
        order.id,
        'refunded',
        { ...detail, refundedAmount, totalAmount: order.totalAmount },
        refund.requestedBy,
      );
      return 'refunded';
    });
  }

  async applyFailed(eventId: string, refund: RefundFailedV1): Promise<RefundOutcome> {
    return this.dataSource.transaction(async (manager): Promise<RefundOutcome> => {
      if (!(await recordInInbox(manager, ORDER_CONSUMER, eventId, Topics.RefundFailed))) return 'duplicate';
      const order = await this.orders.find(manager, refund.orderNo, { forUpdate: true });
      if (!order) return 'not-an-order-refund';
      await this.orders.addTimelineEntry(
        manager,
        order.id,
        'refund-failed',
        {
          refundId: refund.refundId,
          kind: refund.kind,
          amount: refund.amount,
          currency: refund.currency,
          reason: refund.reason,
          failureReason: refund.failureReason,
        },
        refund.requestedBy,
      );
      return 'recorded';
    });
  }
}
