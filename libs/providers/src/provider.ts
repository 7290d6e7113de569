import type { Money } from '@shop/money';
import type { NotificationRejectReason } from './notification-rejected.error';

/**
 * How the buyer pays: 'qr' (Alipay) and 'native' (WeChat Pay) show a code to scan; 'page' sends the browser to
 * the provider's cashier page (Alipay) or posts a signed form to it (UnionPay); 'checkout' opens a hosted
 * checkout session (Stripe).
 */
export type PaymentMethod = 'qr' | 'page' | 'native' | 'checkout';

/** What an adapter needs to open a payment at its provider. */
export interface CreatePaymentRequest {
  /** Our order number, sent as the provider's merchant order id (Alipay out_trade_no). */
  readonly orderNo: string;
  readonly amount: Money;
  /** A short title the buyer sees. */
  readonly subject: string;
  readonly method: PaymentMethod;
  /** Where the provider posts the asynchronous payment notification. */
  readonly notifyUrl: string;
  /** Provider-format expiry, e.g. Alipay "15m" (timeout_express); omitted means the provider's default. */
  readonly timeoutExpress?: string;
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

/** A notification exactly as it arrived over HTTP: the raw body text is what signatures cover. */
export interface NotificationInput {
  readonly rawBody: string;
  readonly contentType: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** What a verified notification means, provider-neutrally. */
export type NotificationKind = 'payment-succeeded' | 'payment-closed' | 'other';

/**
 * A notification whose signature and recipient checks passed. Checking that the order exists and that `amount`
 * equals the order's amount is the caller's job: it needs the database.
 */
export interface VerifiedNotification {
  readonly provider: string;
  /** Unique per provider notification and the same across its retries (Alipay notify_id): the dedupe key. */
  readonly notificationKey: string;
  readonly kind: NotificationKind;
  /** Our order number (Alipay out_trade_no). */
  readonly orderNo: string;
  /** The provider's id of the payment (Alipay trade_no). */
  readonly providerTransactionId: string;
  readonly amount: Money;
  readonly paidAt: Date | undefined;
  /** The provider's own status word (Alipay trade_status), for logs and state decisions beyond `kind`. */
  readonly tradeStatus: string;
  /** Every decoded key/value as received, signature included; for audit, never re-verified from here. */
  readonly fields: Readonly<Record<string, string>>;
  /**
   * For providers whose signatures carry a timestamp and nonce (WeChat Pay, Stripe): a key the caller stores to
   * refuse a second delivery of the same signed request within the freshness window.
   */
  readonly replayKey?: string;
}

/** An HTTP answer in the provider's exact expected format. */
export interface ProviderHttpResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/** The interface every payment provider adapter implements (Alipay, WeChat Pay, UnionPay, Stripe). */
export interface PaymentProvider {
  /** Stable lower-case provider name, e.g. "alipay"; part of event ids, so never renamed. */
  readonly name: string;
  /** Opens a payment at the provider; throws ProviderError (coded) when the provider refuses or cannot be reached. */
  createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult>;
  /** Verifies and decodes a notification; throws NotificationRejectedError with a stable reason. */
  verifyNotification(input: NotificationInput): VerifiedNotification;
  /** The answer that tells the provider the notification was handled and must not be retried. */
  ackResponse(): ProviderHttpResponse;
  /** The answer that makes the provider treat the notification as not delivered (it retries later). */
  rejectResponse(reason: NotificationRejectReason | 'INTERNAL_ERROR'): ProviderHttpResponse;
  /**
   * Asks the provider where the payment for `orderNo` stands (active query, for notifications that were lost).
   * Optional while adapters are being written; callers skip providers without it. Throws ProviderError.
   */
  queryPayment?(orderNo: string, reference?: ProviderPaymentReference): Promise<PaymentQueryResult>;
  /**
   * Closes the provider's open trade for `orderNo` so the buyer can no longer pay it. Resolves when it is closed,
   * already closed or never existed; throws ProviderError PROVIDER_TRADE_PAID when it was paid (cannot be closed).
   */
  closePayment?(orderNo: string, reference?: ProviderPaymentReference): Promise<void>;
}
