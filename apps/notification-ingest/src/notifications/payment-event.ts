import type { EntityManager } from 'typeorm';
import { PaymentSucceededV1, Topics, parsePayload, paymentSucceededEventId } from '@shop/contracts';
import { addToOutbox, type OutgoingEvent } from '@shop/messaging';

/** The producer name on every event this service writes. */
export const INGEST_PRODUCER = 'notification-ingest';

/** A confirmed payment for a known order, as stored from a verified notification. */
export interface ConfirmedPayment {
  readonly orderNo: string;
  readonly provider: string;
  readonly providerTransactionId: string;
  readonly amount: number;
  readonly currency: string;
  readonly paidAt: Date;
  /** The callback's W3C traceparent when the event is written outside its request (an adopted orphan). */
  readonly traceparent?: string | null;
}

/**
 * Writes the payment's PaymentSucceeded to the outbox inside the caller's transaction. Returns false when the
 * event already exists: an earlier notification of the same payment (another notify_id) confirmed it.
 */
export function writePaymentSucceeded(manager: EntityManager, payment: ConfirmedPayment): Promise<boolean> {
  return addToOutbox(manager, INGEST_PRODUCER, paymentSucceededEvent(payment));
}

/** The PaymentSucceeded of a confirmed payment, its id derived from the provider's transaction. */
export function paymentSucceededEvent(payment: ConfirmedPayment): OutgoingEvent<PaymentSucceededV1> {
  const payload = parsePayload(PaymentSucceededV1, {
    orderNo: payment.orderNo,
    provider: payment.provider,
    providerTransactionId: payment.providerTransactionId,
    amount: payment.amount,
    currency: payment.currency,
    paidAt: payment.paidAt.toISOString(),
  });
  return {
    topic: Topics.PaymentSucceeded,
    type: PaymentSucceededV1.type,
    version: PaymentSucceededV1.version,
    key: payment.orderNo,
    payload,
    eventId: paymentSucceededEventId(payment.provider, payment.providerTransactionId),
    traceparent: payment.traceparent,
  };
}
