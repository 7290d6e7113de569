import type { Money } from '@shop/money';
import type { RefundRequest, RefundResult } from './refund';

/**
 * How the buyer pays: 'qr' (Alipay) and 'native' (WeChat Pay) show a code to scan; 'page' sends the browser to
 * the provider's cashier page (Alipay) or posts a signed form to it (UnionPay); 'checkout' opens a hosted
 * checkout session (Stripe).
 */
export type PaymentMethod = 'qr' | 'page' | 'native' | 'checkout';

/** What a client needs to open a payment at its provider. */
export interface CreatePaymentRequest {
  /** Our order number, sent as the provider's merchant order id (Alipay out_trade_no). */
  readonly orderNo: string;
  readonly amount: Money;
  /** A short title the buyer sees. */
  readonly subject: string;
  readonly method: PaymentMethod;
  /** Where the provider posts the asynchronous payment notification. */
  readonly notifyUrl: string;
  /**
   * When the provider must stop accepting the payment; omitted means the provider's default. Each client writes
   * it in its provider's own form (Alipay timeout_express, WeChat Pay time_expire, UnionPay payTimeout, Stripe
   * expires_at), so callers never deal in provider formats.
   */
  readonly expiresAt?: Date;
}

/** What the buyer is shown. */
export type CreatePaymentResult =
  | { readonly kind: 'qr'; readonly qrCode: string }
  | { readonly kind: 'redirect'; readonly redirectUrl: string }
  | { readonly kind: 'code-url'; readonly codeUrl: string }
  | { readonly kind: 'form'; readonly action: string; readonly fields: Readonly<Record<string, string>> }
  | { readonly kind: 'checkout'; readonly checkoutUrl: string; readonly sessionId: string };

/**
 * What some providers need besides the order number to find a payment again, kept from createPayment:
 * Stripe's Checkout Session id, UnionPay's txnTime (it identifies a consume by orderId AND txnTime).
 */
export interface ProviderPaymentReference {
  readonly providerReference?: string;
}

/** A payment's state as the provider reports it when asked (active query). */
export interface PaymentQueryResult {
  readonly status: 'paid' | 'pending' | 'closed' | 'failed' | 'not-found';
  /** Set when paid: the same id the notification carries, so both produce the same event id. */
  readonly providerTransactionId?: string;
  readonly amount?: Money;
  readonly paidAt?: Date;
  /** The provider's own status word, for logs. */
  readonly providerStatus: string;
}

/**
 * The calling side of a provider (Alipay, WeChat Pay, UnionPay, Stripe): signed requests to its API, answers
 * verified before they are believed. Only the payment-gateway holds the signing keys it needs. Every method
 * throws ProviderError (coded) when the provider refuses or cannot be reached.
 *
 * The payment calls come first, then the calls that give money back (refunds).
 */
export interface ProviderClient {
  /** Stable lower-case provider name, e.g. "alipay"; part of event ids, so never renamed. */
  readonly name: string;
  /** Opens a payment at the provider. */
  createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult>;
  /** Asks the provider where the payment for `orderNo` stands (active query, for notifications that were lost). */
  queryPayment(orderNo: string, reference?: ProviderPaymentReference): Promise<PaymentQueryResult>;
  /**
   * Closes the provider's open trade for `orderNo` so the buyer can no longer pay it. Resolves when it is closed,
   * already closed or never existed; throws ProviderError PROVIDER_TRADE_PAID when it was paid (cannot be closed).
   * Absent where the provider has no close call (UnionPay): such a payment ends at its deadline.
   */
  closePayment?(orderNo: string, reference?: ProviderPaymentReference): Promise<void>;
  /**
   * Refunds part or all of one captured payment, once per request.refundNo (the provider's own idempotency key):
   * a retry with the same key is the same refund. Absent while a provider's refunds are not built.
   */
  refundPayment?(request: RefundRequest): Promise<RefundResult>;
  /** Asks where a refund stands; 'not-found' means the provider never received it (send it again, same key). */
  queryRefund?(request: RefundRequest): Promise<RefundResult>;
}
