import { type Money, fromUnionPayAmount } from '@shop/money';
import {
  type NotificationInput,
  type NotificationRejectReason,
  type NotificationVerdict,
  type NotificationVerifier,
  type ProviderHttpResponse,
  rejectNotification,
} from '../notification-verifier';
import { decodeNotificationForm } from '../notification-form';
import type { UnionPayVerifierConfig } from './unionpay.config';
import type { UnionPayCertVerifier } from './unionpay-certs';
import {
  UNIONPAY_BIZ_TYPE,
  UNIONPAY_ENCODING,
  UNIONPAY_FORM_CONTENT_TYPE,
  UNIONPAY_SIGN_METHOD,
  UNIONPAY_SUCCESS_CODES,
  UNIONPAY_VERSION,
  unionPayPaidAt,
  unionPayTrust,
} from './unionpay-protocol';
import { verifyUnionPayFields } from './unionpay-signer';
import { parseUnionPayTime } from './unionpay-time';

const PROVIDER = 'unionpay';
const REQUIRED_NOTIFICATION_FIELDS = [
  'merId',
  'orderId',
  'txnTime',
  'txnAmt',
  'queryId',
  'respCode',
  'signPubKeyCert',
  'signature',
] as const;

/**
 * UnionPay back notifications (ACP 5.1.0, signMethod 01): the signing certificate sent inside the message must
 * chain to the configured root and middle, be valid now and name UnionPay; then the double-hash signature and our
 * merId are checked. Holds no signing key: a service that only receives notifications cannot sign requests.
 */
export class UnionPayNotificationVerifier implements NotificationVerifier {
  readonly name = PROVIDER;
  private readonly certs: UnionPayCertVerifier;
  private readonly now: () => Date;

  constructor(private readonly config: UnionPayVerifierConfig) {
    // Built once at start, so a broken certificate fails the service at boot, not at the first notification.
    this.certs = unionPayTrust(config);
    this.now = config.now ?? (() => new Date());
  }

  /**
   * Verifies a back notification: form body decoded once; signPubKeyCert chains to the configured middle and root,
   * is valid now and names UnionPay in its CN; the double-hash signature covers every field but signature
   * (signPubKeyCert included); then merId must be ours.
   */
  verify(input: NotificationInput): NotificationVerdict {
    const mediaType = (input.contentType ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType !== UNIONPAY_FORM_CONTENT_TYPE) {
      return rejectNotification('UNSUPPORTED_CONTENT_TYPE', `UnionPay notifications are ${UNIONPAY_FORM_CONTENT_TYPE}`);
    }
    const { fields, repeated } = decodeNotificationForm(input.rawBody);
    if (repeated !== undefined) return rejectNotification('MALFORMED', `UnionPay notification repeats ${repeated}`);
    for (const name of REQUIRED_NOTIFICATION_FIELDS) {
      if (!fields[name]) return rejectNotification('MALFORMED', `UnionPay notification lacks ${name}`);
    }
    if (
      fields.signMethod !== UNIONPAY_SIGN_METHOD ||
      (fields.version !== undefined && fields.version !== UNIONPAY_VERSION)
    ) {
      return rejectNotification('UNSUPPORTED_SIGN_TYPE', 'UnionPay notifications must be version 5.1.0, signMethod 01');
    }
    if (fields.encoding !== undefined && fields.encoding.toUpperCase() !== UNIONPAY_ENCODING) {
      // The form was decoded as UTF-8; any other encoding would verify garbage.
      return rejectNotification('MALFORMED', 'UnionPay notification encoding must be UTF-8');
    }
    const verdict = this.certs.verify(fields.signPubKeyCert, this.now());
    if (!verdict.ok) return rejectNotification(verdict.reason, `UnionPay notification ${verdict.message}`);
    if (!verifyUnionPayFields(fields, verdict.publicKey)) {
      return rejectNotification('BAD_SIGNATURE', 'UnionPay notification signature does not verify with signPubKeyCert');
    }
    // Only after the signature: a forged notification learns nothing about which ids we accept.
    if (fields.merId !== this.config.merId) {
      return rejectNotification('FOREIGN_MER_ID', 'UnionPay notification merId is not ours');
    }
    let amount: Money;
    try {
      amount = fromUnionPayAmount(fields.txnAmt, fields.currencyCode ?? '156');
    } catch {
      return rejectNotification('MALFORMED', 'UnionPay notification txnAmt/currencyCode is not a CNY fen amount');
    }
    if (parseUnionPayTime(fields.txnTime) === undefined) {
      return rejectNotification('MALFORMED', 'UnionPay notification txnTime is not yyyyMMddHHmmss');
    }
    // Only our consume (txnType 01/01 of the gateway payment business) is a payment. A refund (04), a cancellation
    // (31) or anything else notifies with respCode 00 too and must never read as money received.
    const consume = fields.txnType === '01' && fields.txnSubType === '01' && fields.bizType === UNIONPAY_BIZ_TYPE;
    const succeeded = consume && UNIONPAY_SUCCESS_CODES.has(fields.respCode);
    // A refund's notification names our refund by its own orderId (the refund key), and the payment by origQryId.
    const refund = fields.txnType === '04';
    return {
      ok: true,
      notification: {
        provider: PROVIDER,
        notificationKey: fields.queryId,
        kind: succeeded ? 'payment-succeeded' : refund ? 'refund' : 'other',
        ...(refund ? { refundNo: fields.orderId } : {}),
        orderNo: fields.orderId,
        providerTransactionId: fields.queryId,
        amount,
        paidAt: succeeded ? unionPayPaidAt(fields.txnTime, fields.traceTime) : undefined,
        tradeStatus: fields.respCode,
        fields: Object.freeze(fields),
      },
    };
  }

  /** UnionPay stops retrying on HTTP 200 (within 10 s); the body is not read, "ok" by convention. */
  acknowledge(): ProviderHttpResponse {
    return { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' };
  }

  /** Any non-200 makes UnionPay retry (5 sends at 0, 1, 2, 4 minutes): 400 for a refusal, 500 for our own fault. */
  reject(reason: NotificationRejectReason | 'INTERNAL_ERROR'): ProviderHttpResponse {
    return { status: reason === 'INTERNAL_ERROR' ? 500 : 400, contentType: 'text/plain; charset=utf-8', body: 'fail' };
  }
}
