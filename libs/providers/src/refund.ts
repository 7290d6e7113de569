import type { Money } from '@shop/money';

/** What a provider client needs to refund part or all of one captured payment. */
export interface RefundRequest {
  /** Our order number the payment was for (Alipay/WeChat Pay out_trade_no). */
  readonly orderNo: string;
  /** The provider's id of the payment (Alipay trade_no, WeChat Pay transaction_id, UnionPay queryId, Stripe PaymentIntent). */
  readonly providerTransactionId: string;
  /**
   * Our key of this refund at the provider, the same on every retry (Alipay out_request_no, WeChat Pay
   * out_refund_no, UnionPay orderId, Stripe Idempotency-Key): the provider refunds once per key.
   */
  readonly refundNo: string;
  /** How much to give back now. */
  readonly amount: Money;
  /** What the payment took in all (WeChat Pay wants it with every refund). */
  readonly paymentAmount: Money;
  readonly reason: string;
  /** Where providers that notify refunds post the result (notification-ingest's callback route). */
  readonly notifyUrl: string;
  /** When the refund row was created: UnionPay identifies a transaction by orderId AND txnTime. */
  readonly requestedAt: Date;
}

/**
 * Where a refund stands, from the provider's answer or a refund query:
 * - succeeded: the money is on its way back (final);
 * - failed: refused or closed, nothing given back (final; the amount may be refunded again);
 * - pending: accepted, result to come by notification or query;
 * - not-found (query only): the provider has no such refund, i.e. our request never reached it.
 */
export interface RefundResult {
  readonly status: 'succeeded' | 'failed' | 'pending' | 'not-found';
  /** The provider's own id of the refund, when it gave one. */
  readonly providerRefundId?: string;
  /** The provider's words for a failure, for the admin; never a secret. */
  readonly failureReason?: string;
  /** The provider's own status word, for logs. */
  readonly providerStatus: string;
}

/** The refund side of a provider client (payment-gateway only). */
export interface RefundCapable {
  /** Asks the provider to refund; throws ProviderError when it cannot be reached or answers garbage. */
  refundPayment(request: RefundRequest): Promise<RefundResult>;
  /** Asks the provider where a refund stands; throws ProviderError as refundPayment does. */
  queryRefund(request: RefundRequest): Promise<RefundResult>;
}
