import type { KeyObject } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { type Money, fromAlipayAmount } from '@shop/money';
import { parsePublicKey } from '../keys';
import {
  type NotificationInput,
  type NotificationKind,
  type NotificationRejectReason,
  type NotificationVerdict,
  type NotificationVerifier,
  type ProviderHttpResponse,
  rejectNotification,
} from '../notification-verifier';
import { decodeNotificationForm } from '../notification-form';
import { ProviderError } from '../provider-error';
import type { AlipayVerifierConfig } from './alipay.config';
import { verifyAlipayNotification } from './alipay-signer';
import { parseChinaTime } from './china-time';

const PROVIDER = 'alipay';
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
const REQUIRED_CONFIG_FIELDS = ['appId', 'sellerId'] as const;
const REQUIRED_NOTIFICATION_FIELDS = [
  'notify_id',
  'app_id',
  'seller_id',
  'out_trade_no',
  'trade_no',
  'trade_status',
  'total_amount',
  'sign',
] as const;

/**
 * Alipay's asynchronous notifications (RSA2): checks content type, the signature with Alipay's public key, then
 * that app_id and seller_id are ours, and maps the trade status. Holds no application private key: a service that
 * only receives notifications cannot sign requests.
 */
export class AlipayNotificationVerifier implements NotificationVerifier {
  readonly name = PROVIDER;
  private readonly alipayPublicKey: KeyObject;

  constructor(private readonly config: AlipayVerifierConfig) {
    // Parsed once at start, so a broken key fails the service at boot rather than at the first notification.
    this.alipayPublicKey = parsePublicKey(config.alipayPublicKey, 'Alipay public key');
    for (const field of REQUIRED_CONFIG_FIELDS) {
      if (typeof config[field] !== 'string' || config[field].trim() === '') {
        throw new ProviderError(
          'PROVIDER_CONFIG_INVALID',
          `Alipay ${field} is required`,
          HttpStatus.INTERNAL_SERVER_ERROR,
        );
      }
    }
  }

  /** Verifies an Alipay notification (content type, RSA2 signature, app_id, seller_id) and maps it. */
  verify(input: NotificationInput): NotificationVerdict {
    const mediaType = (input.contentType ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType !== FORM_CONTENT_TYPE) {
      return rejectNotification('UNSUPPORTED_CONTENT_TYPE', `Alipay notifications are ${FORM_CONTENT_TYPE}`);
    }
    const { fields, repeated } = decodeNotificationForm(input.rawBody);
    if (repeated !== undefined) return rejectNotification('MALFORMED', `Alipay notification repeats ${repeated}`);
    for (const name of REQUIRED_NOTIFICATION_FIELDS) {
      if (!fields[name]) return rejectNotification('MALFORMED', `Alipay notification lacks ${name}`);
    }
    if (fields.sign_type !== undefined && fields.sign_type !== 'RSA2') {
      return rejectNotification('UNSUPPORTED_SIGN_TYPE', 'Alipay notifications must be signed with sign_type RSA2');
    }
    if (fields.charset !== undefined && fields.charset.toLowerCase() !== 'utf-8') {
      // The form was decoded as UTF-8; any other charset would verify garbage.
      return rejectNotification('MALFORMED', 'Alipay notification charset must be utf-8');
    }
    if (!verifyAlipayNotification(fields, this.alipayPublicKey)) {
      return rejectNotification(
        'BAD_SIGNATURE',
        'Alipay notification signature does not verify with the Alipay public key',
      );
    }
    // Only after the signature: a forged notification learns nothing about which ids we accept.
    if (fields.app_id !== this.config.appId) {
      return rejectNotification('FOREIGN_APP_ID', 'Alipay notification app_id is not ours');
    }
    if (fields.seller_id !== this.config.sellerId) {
      return rejectNotification('FOREIGN_SELLER_ID', 'Alipay notification seller_id is not ours');
    }
    let amount: Money;
    try {
      amount = fromAlipayAmount(fields.total_amount);
    } catch {
      return rejectNotification('MALFORMED', 'Alipay notification total_amount is not a yuan amount');
    }
    let paidAt: Date | undefined;
    if (fields.gmt_payment) {
      paidAt = parseChinaTime(fields.gmt_payment);
      if (paidAt === undefined) {
        return rejectNotification('MALFORMED', 'Alipay notification gmt_payment is not "yyyy-MM-dd HH:mm:ss"');
      }
    }
    return {
      ok: true,
      notification: {
        provider: PROVIDER,
        notificationKey: fields.notify_id,
        kind: kindOf(fields),
        orderNo: fields.out_trade_no,
        providerTransactionId: fields.trade_no,
        amount,
        paidAt,
        tradeStatus: fields.trade_status,
        ...(fields.out_biz_no ? { refundNo: fields.out_biz_no } : {}),
        fields: Object.freeze(fields),
      },
    };
  }

  /** Alipay stops retrying only on a 200 whose body is exactly `success`. */
  acknowledge(): ProviderHttpResponse {
    return { status: 200, contentType: 'text/plain; charset=utf-8', body: 'success' };
  }

  /** Anything but `success` makes Alipay retry (about 8 times over 25 h). */
  reject(_reason: NotificationRejectReason | 'INTERNAL_ERROR'): ProviderHttpResponse {
    return { status: 400, contentType: 'text/plain; charset=utf-8', body: 'fail' };
  }
}

/**
 * What the notification means. Alipay notifies a refund on the trade's own channel (a partial one as TRADE_SUCCESS
 * again, a full one as TRADE_CLOSED), marked by refund_fee, out_biz_no (our out_request_no) and gmt_refund: any
 * of them makes it a refund, never a payment.
 */
function kindOf(fields: Readonly<Record<string, string>>): NotificationKind {
  if (fields.refund_fee || fields.out_biz_no || fields.gmt_refund) return 'refund';
  switch (fields.trade_status) {
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED':
      return 'payment-succeeded';
    case 'TRADE_CLOSED':
      return 'payment-closed';
    default:
      return 'other';
  }
}
