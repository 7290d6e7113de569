import type { EntityManager } from 'typeorm';
import {
  PaymentAnomalyDetectedV1,
  Topics,
  parsePayload,
  paymentAnomalyEventId,
  type PaymentAnomalyType,
  type PaymentSucceededV1,
} from '@shop/contracts';
import { addToOutbox } from '@shop/messaging';
import { ORDER_SERVICE } from '../orders/orders.service';

/**
 * Writes a PaymentAnomalyDetected for `payment` to the outbox inside the caller's transaction, the one that
 * observed the order's state: the anomaly is published if and only if that observation committed. The event id
 * is derived from (type, provider, provider transaction id), so a redelivery or another event of the same
 * payment (a callback and an active query) adds nothing. Returns false for such a repeat.
 */
export function writePaymentAnomaly(
  manager: EntityManager,
  type: PaymentAnomalyType,
  payment: PaymentSucceededV1,
  detail: Record<string, unknown>,
): Promise<boolean> {
  const payload = parsePayload(PaymentAnomalyDetectedV1, {
    type,
    orderNo: payment.orderNo,
    provider: payment.provider,
    providerTransactionId: payment.providerTransactionId,
    amount: payment.amount,
    currency: payment.currency,
    detectedAt: new Date().toISOString(),
    detail,
  });
  return addToOutbox(manager, ORDER_SERVICE, {
    topic: Topics.PaymentAnomalyDetected,
    type: PaymentAnomalyDetectedV1.type,
    version: PaymentAnomalyDetectedV1.version,
    key: payment.orderNo,
    eventId: paymentAnomalyEventId({
      type,
      provider: payment.provider,
      providerTransactionId: payment.providerTransactionId,
    }),
    payload,
  });
}
