import type { KeyObject } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import {
  type NotificationInput,
  type NotificationKind,
  type NotificationRejectReason,
  type NotificationVerdict,
  type NotificationVerifier,
  type ProviderHttpResponse,
  rejectNotification,
} from '../notification-verifier';
import { ProviderError } from '../provider-error';
import type { WechatPayVerifierConfig } from './wechatpay.config';
import { type WechatpayJson, isWechatpayObject, parseWechatpayObject, wechatpayAmount } from './wechatpay-json';
import { loadWechatpayPlatformKeys } from './wechatpay-platform-keys';
import {
  WECHATPAY_MAX_CLOCK_SKEW_SECONDS,
  WECHATPAY_RESOURCE_ALGORITHM,
  decryptWechatpayResource,
  isWechatpaySignatureProbe,
  verifyWechatpayMessage,
  wechatpayApiV3Key,
} from './wechatpay-signer';
import { parseWechatpayTime } from './wechatpay-time';

/** Options that tests tune; the default suits production. */
export interface WechatPayVerifierOptions {
  /** The clock for the notification freshness window; injected so tests can skew it. */
  readonly now?: () => Date;
}

const PROVIDER = 'wechatpay';
const JSON_CONTENT_TYPE = 'application/json';
const SIGNTEST_NOTE = 'WeChat Pay signature probe (WECHATPAY/SIGNTEST): refused on purpose, no alert needed';

// Fixed, secret-free messages for the reject answer: WeChat Pay shows them in the merchant console.
const REJECT_MESSAGES: Partial<Record<NotificationRejectReason | 'INTERNAL_ERROR', string>> = {
  UNSUPPORTED_CONTENT_TYPE: 'unsupported content type',
  MALFORMED: 'malformed notification',
  UNSUPPORTED_SIGN_TYPE: 'unsupported signature type',
  BAD_SIGNATURE: 'signature verification failed',
  FOREIGN_APP_ID: 'appid mismatch',
  FOREIGN_SELLER_ID: 'merchant mismatch',
  FOREIGN_MCH_ID: 'mchid mismatch',
  STALE_TIMESTAMP: 'timestamp outside the allowed window',
  UNKNOWN_SERIAL: 'unknown Wechatpay-Serial',
  SIGNATURE_PROBE: 'signature verification failed',
  DECRYPT_FAILED: 'resource decryption failed',
  REPLAYED: 'request replayed',
  INTERNAL_ERROR: 'internal error',
};

/**
 * WeChat Pay API v3 notifications: freshness, the key chosen by Wechatpay-Serial, the signature over the raw
 * body, then the resource decrypted with the APIv3 key and mchid and appid checked. Holds no merchant private key:
 * a service that only receives notifications cannot sign requests.
 */
export class WechatPayNotificationVerifier implements NotificationVerifier {
  readonly name = PROVIDER;
  private readonly platformKeys: ReadonlyMap<string, KeyObject>;
  private readonly apiV3Key: Buffer;
  private readonly now: () => Date;

  constructor(
    private readonly config: WechatPayVerifierConfig,
    options: WechatPayVerifierOptions = {},
  ) {
    for (const field of ['appId', 'mchId'] as const) {
      const value = config[field];
      if (typeof value !== 'string' || value.trim() === '') {
        throw new ProviderError(
          'PROVIDER_CONFIG_INVALID',
          `WeChat Pay ${field} is required`,
          HttpStatus.INTERNAL_SERVER_ERROR,
        );
      }
    }
    // Parsed once at start, so a broken key fails the service at boot rather than at the first notification.
    this.apiV3Key = wechatpayApiV3Key(config.apiV3Key);
    this.platformKeys = loadWechatpayPlatformKeys(config.platformKeys);
    this.now = options.now ?? (() => new Date());
  }

  /**
   * Verifies a notification: freshness (±300 s), the key picked by Wechatpay-Serial, the signature over the raw
   * body, then decrypts the resource and checks mchid and appid. Amount and order existence are the caller's.
   */
  verify(input: NotificationInput): NotificationVerdict {
    const mediaType = (input.contentType ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType !== JSON_CONTENT_TYPE) {
      return rejectNotification('UNSUPPORTED_CONTENT_TYPE', `WeChat Pay notifications are ${JSON_CONTENT_TYPE}`);
    }
    const timestamp = header(input.headers, 'wechatpay-timestamp');
    const nonce = header(input.headers, 'wechatpay-nonce');
    const signature = header(input.headers, 'wechatpay-signature');
    const serial = header(input.headers, 'wechatpay-serial');
    if (!timestamp || !nonce || !signature || !serial) {
      return rejectNotification(
        'MALFORMED',
        'WeChat Pay notification needs one each of Wechatpay-Timestamp, -Nonce, -Signature and -Serial',
      );
    }
    // A probe first: it is expected traffic, so it must not count as a forgery in metrics or alerts.
    if (isWechatpaySignatureProbe(signature)) return rejectNotification('SIGNATURE_PROBE', SIGNTEST_NOTE);
    if (!/^\d{1,12}$/.test(timestamp))
      return rejectNotification('MALFORMED', 'Wechatpay-Timestamp is not unix seconds');
    const skew = Math.abs(Math.floor(this.now().getTime() / 1000) - Number(timestamp));
    if (skew > WECHATPAY_MAX_CLOCK_SKEW_SECONDS) {
      return rejectNotification(
        'STALE_TIMESTAMP',
        `Wechatpay-Timestamp is more than ${WECHATPAY_MAX_CLOCK_SKEW_SECONDS} s from our clock`,
      );
    }
    const key = this.platformKeys.get(serial);
    if (key === undefined) {
      return rejectNotification(
        'UNKNOWN_SERIAL',
        'Wechatpay-Serial names no configured WeChat Pay public key or certificate',
      );
    }
    if (!verifyWechatpayMessage(timestamp, nonce, input.rawBody, signature, key)) {
      return rejectNotification('BAD_SIGNATURE', 'WeChat Pay notification signature does not verify over the raw body');
    }

    const envelope = parseWechatpayObject(input.rawBody);
    const resource = envelope?.resource;
    if (envelope === undefined || !isWechatpayObject(resource)) {
      return rejectNotification('MALFORMED', 'notification is not a JSON object');
    }
    const { id, event_type: eventType } = envelope;
    if (typeof id !== 'string' || id === '' || typeof eventType !== 'string' || eventType === '') {
      return rejectNotification('MALFORMED', 'WeChat Pay notification lacks id or event_type');
    }
    if (resource.algorithm !== WECHATPAY_RESOURCE_ALGORITHM) {
      return rejectNotification(
        'MALFORMED',
        `WeChat Pay notification resource must be ${WECHATPAY_RESOURCE_ALGORITHM}`,
      );
    }
    if (typeof resource.ciphertext !== 'string' || typeof resource.nonce !== 'string') {
      return rejectNotification('MALFORMED', 'WeChat Pay notification resource lacks ciphertext or nonce');
    }
    let plaintext: string;
    try {
      plaintext = decryptWechatpayResource(
        {
          ciphertext: resource.ciphertext,
          nonce: resource.nonce,
          associatedData: typeof resource.associated_data === 'string' ? resource.associated_data : '',
        },
        this.apiV3Key,
      );
    } catch {
      return rejectNotification(
        'DECRYPT_FAILED',
        'WeChat Pay notification resource does not decrypt with our APIv3 key',
      );
    }
    const tx = parseWechatpayObject(plaintext);
    if (tx === undefined) return rejectNotification('MALFORMED', 'decrypted resource is not a JSON object');

    // Only after the signature: a forged notification learns nothing about which ids we accept.
    if (tx.mchid !== this.config.mchId) {
      return rejectNotification('FOREIGN_MCH_ID', 'WeChat Pay notification mchid is not ours');
    }
    // Refund resources carry no appid; a transaction always does.
    if ((tx.appid !== undefined || eventType.startsWith('TRANSACTION.')) && tx.appid !== this.config.appId) {
      return rejectNotification('FOREIGN_APP_ID', 'WeChat Pay notification appid is not ours');
    }
    const { out_trade_no: orderNo, transaction_id: transactionId } = tx;
    if (typeof orderNo !== 'string' || orderNo === '' || typeof transactionId !== 'string' || transactionId === '') {
      return rejectNotification('MALFORMED', 'WeChat Pay notification resource lacks out_trade_no or transaction_id');
    }
    const amount = wechatpayAmount(tx.amount);
    if (amount === undefined) {
      return rejectNotification('MALFORMED', 'WeChat Pay notification amount.total is not CNY fen');
    }
    let paidAt: Date | undefined;
    if (tx.success_time !== undefined) {
      paidAt = parseWechatpayTime(tx.success_time);
      if (paidAt === undefined) {
        return rejectNotification('MALFORMED', 'WeChat Pay notification success_time is not RFC 3339');
      }
    }
    const tradeStatus = stringOr(tx.trade_state, stringOr(tx.refund_status, ''));
    return {
      ok: true,
      notification: {
        provider: PROVIDER,
        notificationKey: id,
        kind: kindOf(eventType, tradeStatus),
        orderNo,
        providerTransactionId: transactionId,
        amount,
        paidAt,
        tradeStatus,
        ...(eventType.startsWith('REFUND.') && typeof tx.out_refund_no === 'string' && tx.out_refund_no !== ''
          ? { refundNo: tx.out_refund_no }
          : {}),
        fields: Object.freeze(auditFields(envelope, plaintext, { timestamp, nonce, signature, serial })),
        replayKey: `${timestamp}:${nonce}`,
      },
    };
  }

  /** WeChat Pay stops retrying on 200 or 204; no body is needed. */
  acknowledge(): ProviderHttpResponse {
    return { status: 204, contentType: 'text/plain; charset=utf-8', body: '' };
  }

  /**
   * Any 4xx/5xx makes WeChat Pay retry (15 times over ~24 h). Signature problems answer 401, malformed or
   * foreign notifications 400, our own failures (and an APIv3 key that does not decrypt) 500.
   */
  reject(reason: NotificationRejectReason | 'INTERNAL_ERROR'): ProviderHttpResponse {
    const status = rejectStatus(reason);
    const message = REJECT_MESSAGES[reason] ?? 'rejected';
    return {
      status,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({ code: 'FAIL', message }),
    };
  }
}

// Sets rather than a switch: reasons other providers add to NotificationRejectReason fall to 400 without an edit here.
const SIGNATURE_REASONS: ReadonlySet<string> = new Set<NotificationRejectReason>([
  'BAD_SIGNATURE',
  'SIGNATURE_PROBE',
  'UNKNOWN_SERIAL',
  'STALE_TIMESTAMP',
  'UNSUPPORTED_SIGN_TYPE',
]);
const INTERNAL_REASONS: ReadonlySet<string> = new Set<NotificationRejectReason | 'INTERNAL_ERROR'>([
  'DECRYPT_FAILED',
  'INTERNAL_ERROR',
]);

function rejectStatus(reason: NotificationRejectReason | 'INTERNAL_ERROR'): number {
  if (SIGNATURE_REASONS.has(reason)) return 401;
  if (INTERNAL_REASONS.has(reason)) return 500;
  if (reason === 'UNSUPPORTED_CONTENT_TYPE') return 415;
  return 400;
}

function kindOf(eventType: string, tradeStatus: string): NotificationKind {
  if (eventType === 'TRANSACTION.SUCCESS' && tradeStatus === 'SUCCESS') return 'payment-succeeded';
  // REFUND.SUCCESS / REFUND.ABNORMAL / REFUND.CLOSED carry the paid transaction_id: never a payment.
  if (eventType.startsWith('REFUND.')) return 'refund';
  return 'other';
}

function header(headers: NotificationInput['headers'], name: string): string | undefined {
  let found: string | undefined;
  let count = 0;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name || value === undefined) continue;
    if (Array.isArray(value)) {
      count += value.length;
      found = value[0];
    } else {
      count += 1;
      found = value;
    }
  }
  // Two values leave it open which one was signed: treat as missing.
  return count === 1 ? found?.trim() : undefined;
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function auditFields(
  envelope: WechatpayJson,
  plaintext: string,
  headers: { timestamp: string; nonce: string; signature: string; serial: string },
): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(envelope)) {
    if (key !== 'resource' && (typeof value === 'string' || typeof value === 'number')) fields[key] = String(value);
  }
  const resource = envelope.resource as WechatpayJson;
  for (const key of ['original_type', 'algorithm', 'associated_data', 'nonce'] as const) {
    if (typeof resource[key] === 'string') fields[`resource.${key}`] = resource[key];
  }
  // The decrypted transaction as WeChat Pay wrote it; the ciphertext adds nothing once decrypted.
  fields.resource = plaintext;
  fields['wechatpay-timestamp'] = headers.timestamp;
  fields['wechatpay-nonce'] = headers.nonce;
  fields['wechatpay-signature'] = headers.signature;
  fields['wechatpay-serial'] = headers.serial;
  return fields;
}
