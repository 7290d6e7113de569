import { HttpStatus } from '@nestjs/common';
import { ProviderError } from './provider-error';

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

/** A notification that must not be acted on: not from the provider, not for us, or not parseable. */
export class NotificationRejectedError extends ProviderError {
  constructor(
    readonly provider: string,
    readonly reason: NotificationRejectReason,
    message: string,
  ) {
    super('PROVIDER_NOTIFICATION_REJECTED', message, HttpStatus.BAD_REQUEST, { provider, reason });
    this.name = 'NotificationRejectedError';
  }
}
