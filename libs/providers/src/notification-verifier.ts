import type { Money } from '@shop/money';

/** A notification exactly as it arrived over HTTP: the raw body text is what signatures cover. */
export interface NotificationInput {
  readonly rawBody: string;
  readonly contentType: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** What a verified notification means, provider-neutrally. */
export type NotificationKind = 'payment-succeeded' | 'payment-closed' | 'refund' | 'other';

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
  /**
   * For kind 'refund': our key of the refund it reports (Alipay out_biz_no, WeChat Pay out_refund_no, Stripe
   * metadata.refund_no), so the payment-gateway can settle that refund now rather than at its next query.
   */
  readonly refundNo?: string;
}

/** Why a provider notification was refused; stable values for metrics, logs and the reject answer. */
export type NotificationRejectReason =
  | 'UNSUPPORTED_CONTENT_TYPE'
  | 'MALFORMED'
  | 'UNSUPPORTED_SIGN_TYPE'
  | 'BAD_SIGNATURE'
  | 'FOREIGN_APP_ID'
  | 'FOREIGN_SELLER_ID'
  // UnionPay: the signing certificate must chain to the configured root, be valid now and name UnionPay.
  | 'CERT_UNTRUSTED'
  | 'CERT_EXPIRED'
  | 'CERT_WRONG_CN'
  | 'FOREIGN_MER_ID'
  // WeChat Pay and Stripe sign a timestamp: outside the freshness window (either way) is refused.
  | 'STALE_TIMESTAMP'
  // WeChat Pay: Wechatpay-Serial names no key we hold; the resource does not decrypt with our APIv3 key; a
  // WECHATPAY/SIGNTEST/ probe (never alert on it); a notification for another merchant id.
  | 'UNKNOWN_SERIAL'
  | 'DECRYPT_FAILED'
  | 'SIGNATURE_PROBE'
  | 'FOREIGN_MCH_ID'
  // A byte-exact second delivery of a signed request already seen (WeChat Pay: same timestamp and nonce).
  | 'REPLAYED';

/**
 * A notification that must not be acted on: not from the provider, not for us, or not parseable. `detail` names
 * the broken rule for tests and debugging; it never holds a key, a signature or the body.
 */
export interface NotificationRejection {
  readonly ok: false;
  readonly reason: NotificationRejectReason;
  readonly detail?: string;
}

/**
 * What verifying a notification found. A refusal is an expected outcome (forgeries, probes, other merchants'
 * traffic), so it is returned, not thrown; only our own failures (a bug, a broken configuration) throw.
 */
export type NotificationVerdict =
  { readonly ok: true; readonly notification: VerifiedNotification } | NotificationRejection;

/** An HTTP answer in the provider's exact expected format. */
export interface ProviderHttpResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

/**
 * The receiving side of a provider (Alipay, WeChat Pay, UnionPay, Stripe): checks that an asynchronous
 * notification comes from the provider and is meant for us, and answers in the provider's format. It holds only
 * verifying material (public keys, certificates, the APIv3 key, a webhook secret), never a signing key, so the
 * internet-facing notification-ingest can run it.
 */
export interface NotificationVerifier {
  /** Stable lower-case provider name, e.g. "alipay"; part of event ids, so never renamed. */
  readonly name: string;
  /** Verifies and decodes a notification; a refusal comes back with a stable reason. */
  verify(input: NotificationInput): NotificationVerdict;
  /** The answer that tells the provider the notification was handled and must not be retried. */
  acknowledge(): ProviderHttpResponse;
  /** The answer that makes the provider treat the notification as not delivered (it retries later). */
  reject(reason: NotificationRejectReason | 'INTERNAL_ERROR'): ProviderHttpResponse;
}

/** A refusal with its reason and the rule that was broken. */
export function rejectNotification(reason: NotificationRejectReason, detail: string): NotificationRejection {
  return { ok: false, reason, detail };
}
