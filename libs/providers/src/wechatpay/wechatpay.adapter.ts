import { type KeyObject, X509Certificate } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { type Money, fromWechatPayAmount, toWechatPayAmount } from '@shop/money';
import { parsePrivateKey, parsePublicKey } from '../keys';
import { type NotificationRejectReason, NotificationRejectedError } from '../notification-rejected.error';
import type {
  CreatePaymentRequest,
  CreatePaymentResult,
  NotificationInput,
  NotificationKind,
  PaymentProvider,
  PaymentQueryResult,
  ProviderHttpResponse,
  VerifiedNotification,
} from '../provider';
import { ProviderError } from '../provider-error';
import type { WechatPayConfig, WechatPayPlatformKeys, WechatPayVerifyOnlyConfig } from './wechatpay.config';
import {
  WECHATPAY_MAX_CLOCK_SKEW_SECONDS,
  WECHATPAY_RESOURCE_ALGORITHM,
  decryptWechatpayResource,
  isWechatpaySignatureProbe,
  signWechatpayRequest,
  verifyWechatpayMessage,
  wechatpayApiV3Key,
} from './wechatpay-signer';
import { formatWechatpayTime, parseWechatpayTime } from './wechatpay-time';

/**
 * Why a WeChat Pay notification was refused: the shared reasons plus WeChat-specific ones. Until
 * NotificationRejectReason gains these values, they travel through NotificationRejectedError by a cast.
 */
export type WechatRejectReason =
  | NotificationRejectReason
  | 'STALE_TIMESTAMP'
  | 'UNKNOWN_SERIAL'
  | 'DECRYPT_FAILED'
  | 'SIGNATURE_PROBE'
  | 'FOREIGN_MCH_ID';

/** Options that tests and callers tune; the defaults suit production. */
export interface WechatPayAdapterOptions {
  /** The clock for request timestamps and the notification freshness window; injected so tests can skew it. */
  readonly now?: () => Date;
  /** API call timeout in milliseconds (default 10 000). */
  readonly timeoutMs?: number;
  /** The fetch to call (default: the global fetch, looked up per call). */
  readonly fetch?: typeof fetch;
  /** Sent as User-Agent, which WeChat Pay requires on every API request. */
  readonly userAgent?: string;
}

type Signing = {
  readonly key: KeyObject;
  readonly certSerial: string;
  readonly baseUrl: string;
};

type Json = Record<string, unknown>;

interface ApiAnswer {
  readonly status: number;
  readonly json: Json | undefined;
  /** Whether the Wechatpay-* headers were present and verified. */
  readonly signed: boolean;
}

const PROVIDER = 'wechatpay';
const OUT_TRADE_NO = /^[0-9A-Za-z_\-*]{6,32}$/;
const DESCRIPTION_MAX = 127;
const JSON_CONTENT_TYPE = 'application/json';
const SIGNTEST_NOTE = 'WeChat Pay signature probe (WECHATPAY/SIGNTEST): refused on purpose, no alert needed';
const DURATION = /^([1-9]\d{0,5})([mhd])$/;
const DURATION_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

// Fixed, secret-free messages for the reject answer: WeChat Pay shows them in the merchant console.
const REJECT_MESSAGES: Partial<Record<WechatRejectReason | 'INTERNAL_ERROR', string>> = {
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

/** WeChat Pay API v3 as a PaymentProvider: Native (QR code_url) payments, query, close and notifications. */
export class WechatPayAdapter implements PaymentProvider {
  readonly name = PROVIDER;
  // Undefined for a verify-only adapter: a service that only receives notifications should not hold the signing key.
  private readonly signing: Signing | undefined;
  private readonly platformKeys: ReadonlyMap<string, KeyObject>;
  private readonly apiV3Key: Buffer;
  private readonly now: () => Date;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch | undefined;
  private readonly userAgent: string;

  constructor(
    private readonly config: WechatPayConfig | WechatPayVerifyOnlyConfig,
    options: WechatPayAdapterOptions = {},
  ) {
    // Parsed once at start, so a broken key fails the service at boot rather than at the first payment.
    const merchantKey =
      config.privateKey === undefined
        ? undefined
        : parsePrivateKey(config.privateKey, 'WeChat Pay merchant API private key');
    const required =
      merchantKey === undefined
        ? (['appId', 'mchId'] as const)
        : (['appId', 'mchId', 'certSerial', 'baseUrl'] as const);
    for (const field of required) {
      const value = config[field];
      if (typeof value !== 'string' || value.trim() === '') {
        throw new ProviderError(
          'PROVIDER_CONFIG_INVALID',
          `WeChat Pay ${field} is required`,
          HttpStatus.INTERNAL_SERVER_ERROR,
        );
      }
    }
    this.apiV3Key = wechatpayApiV3Key(config.apiV3Key);
    this.platformKeys = loadPlatformKeys(config.platformKeys);
    this.signing =
      merchantKey === undefined
        ? undefined
        : {
            key: merchantKey,
            certSerial: (config.certSerial ?? '').trim(),
            baseUrl: (config.baseUrl ?? '').replace(/\/+$/, ''),
          };
    this.now = options.now ?? (() => new Date());
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchFn = options.fetch;
    this.userAgent = options.userAgent ?? 'shop-providers-wechatpay/1.0';
  }

  /** Opens a Native payment: POST /v3/pay/transactions/native, answered with the code_url to show as a QR code. */
  async createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult> {
    const signing = this.requireSigning();
    if (request.method !== 'native') {
      throw new ProviderError(
        'PROVIDER_METHOD_UNSUPPORTED',
        `WeChat Pay adapter supports method native, not ${request.method}`,
        HttpStatus.BAD_REQUEST,
      );
    }
    requireOrderNo(request.orderNo);
    const description = cutDescription(request.subject);
    if (description === '') {
      throw new ProviderError('PROVIDER_REQUEST_INVALID', 'subject must not be empty', HttpStatus.BAD_REQUEST);
    }
    requireNotifyUrl(request.notifyUrl);
    let total: number;
    try {
      total = toWechatPayAmount(request.amount);
    } catch (error) {
      const message = error instanceof Error ? error.message : 'amount is not a WeChat Pay amount';
      throw new ProviderError('PROVIDER_REQUEST_INVALID', message, HttpStatus.BAD_REQUEST);
    }
    const body: Json = {
      appid: this.config.appId,
      mchid: this.config.mchId,
      description,
      out_trade_no: request.orderNo,
    };
    if (request.timeoutExpress !== undefined) body.time_expire = this.timeExpire(request.timeoutExpress);
    body.notify_url = request.notifyUrl;
    body.amount = { total, currency: 'CNY' };

    const operation = 'native payment';
    const answer = await this.call(signing, 'POST', '/v3/pay/transactions/native', JSON.stringify(body), operation);
    if (answer.status !== 200) throw this.refused(operation, answer);
    const codeUrl = answer.json?.code_url;
    if (typeof codeUrl !== 'string' || codeUrl === '') {
      throw new ProviderError('PROVIDER_ANSWER_INVALID', `WeChat Pay ${operation} answer lacks code_url`);
    }
    return { kind: 'code-url', codeUrl };
  }

  /**
   * Asks WeChat Pay for a payment's state (GET /v3/pay/transactions/out-trade-no/{no}?mchid=...), e.g. when its
   * notification is late or lost. SUCCESS and REFUND (paid, then refunded in part or whole) report 'paid'.
   */
  async queryPayment(orderNo: string): Promise<PaymentQueryResult> {
    const signing = this.requireSigning();
    requireOrderNo(orderNo);
    const operation = 'payment query';
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(orderNo)}?mchid=${encodeURIComponent(this.config.mchId)}`;
    const answer = await this.call(signing, 'GET', path, '', operation);
    if (answer.status === 404 && answer.json?.code === 'ORDER_NOT_EXIST') {
      return { status: 'not-found', providerStatus: 'ORDER_NOT_EXIST' };
    }
    if (answer.status !== 200 || answer.json === undefined) throw this.refused(operation, answer);
    const tx = answer.json;
    if (tx.out_trade_no !== orderNo || tx.mchid !== this.config.mchId) {
      throw new ProviderError(
        'PROVIDER_ANSWER_INVALID',
        `WeChat Pay ${operation} answer names another out_trade_no or mchid`,
      );
    }
    const state = typeof tx.trade_state === 'string' ? tx.trade_state : '';
    switch (state) {
      case 'SUCCESS':
      case 'REFUND': {
        const transactionId = tx.transaction_id;
        if (typeof transactionId !== 'string' || transactionId === '') {
          throw new ProviderError('PROVIDER_ANSWER_INVALID', `WeChat Pay ${operation} answer lacks transaction_id`);
        }
        const amount = amountOf(tx.amount);
        if (amount === undefined) {
          throw new ProviderError('PROVIDER_ANSWER_INVALID', `WeChat Pay ${operation} answer lacks a valid amount`);
        }
        return {
          status: 'paid',
          providerTransactionId: transactionId,
          amount,
          paidAt: parseWechatpayTime(tx.success_time),
          providerStatus: state,
        };
      }
      case 'NOTPAY':
      case 'USERPAYING':
        return { status: 'pending', providerStatus: state };
      case 'CLOSED':
      case 'REVOKED':
        return { status: 'closed', providerStatus: state };
      case 'PAYERROR':
        return { status: 'failed', providerStatus: state };
      default:
        throw new ProviderError(
          'PROVIDER_ANSWER_INVALID',
          `WeChat Pay ${operation} answer has an unknown trade_state`,
          undefined,
          { tradeState: state.slice(0, 32) },
        );
    }
  }

  /**
   * Closes the trade so the buyer can no longer pay it (POST .../out-trade-no/{no}/close {mchid}; WeChat Pay
   * answers 204). A trade that never existed or is already closed counts as closed. A paid trade cannot be closed:
   * PROVIDER_TRADE_PAID (409), so the caller leaves it for the payment to be confirmed. Any other refusal is
   * settled by a query, since WeChat Pay's error codes for "paid" vary.
   */
  async closePayment(orderNo: string): Promise<void> {
    const signing = this.requireSigning();
    requireOrderNo(orderNo);
    const operation = 'payment close';
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(orderNo)}/close`;
    const answer = await this.call(signing, 'POST', path, JSON.stringify({ mchid: this.config.mchId }), operation);
    if (answer.status === 204 || answer.status === 200) return;
    if (answer.status === 404 && answer.json?.code === 'ORDER_NOT_EXIST') return;
    const refusal = this.refused(operation, answer);
    if (refusal.code !== 'PROVIDER_REJECTED') throw refusal;
    const state = await this.queryPayment(orderNo);
    if (state.status === 'closed' || state.status === 'not-found') return;
    if (state.status === 'paid') {
      throw new ProviderError(
        'PROVIDER_TRADE_PAID',
        `WeChat Pay trade ${orderNo} is paid and cannot be closed`,
        HttpStatus.CONFLICT,
        { providerTransactionId: state.providerTransactionId, providerStatus: state.providerStatus },
      );
    }
    throw refusal;
  }

  /**
   * Verifies a notification: freshness (±300 s), the key picked by Wechatpay-Serial, the signature over the raw
   * body, then decrypts the resource and checks mchid and appid. Amount and order existence are the caller's.
   */
  verifyNotification(input: NotificationInput): VerifiedNotification {
    const mediaType = (input.contentType ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType !== JSON_CONTENT_TYPE) {
      throw reject('UNSUPPORTED_CONTENT_TYPE', `WeChat Pay notifications are ${JSON_CONTENT_TYPE}`);
    }
    const timestamp = header(input.headers, 'wechatpay-timestamp');
    const nonce = header(input.headers, 'wechatpay-nonce');
    const signature = header(input.headers, 'wechatpay-signature');
    const serial = header(input.headers, 'wechatpay-serial');
    if (!timestamp || !nonce || !signature || !serial) {
      throw reject(
        'MALFORMED',
        'WeChat Pay notification needs one each of Wechatpay-Timestamp, -Nonce, -Signature and -Serial',
      );
    }
    // A probe first: it is expected traffic, so it must not count as a forgery in metrics or alerts.
    if (isWechatpaySignatureProbe(signature)) throw reject('SIGNATURE_PROBE', SIGNTEST_NOTE);
    if (!/^\d{1,12}$/.test(timestamp)) throw reject('MALFORMED', 'Wechatpay-Timestamp is not unix seconds');
    const skew = Math.abs(Math.floor(this.now().getTime() / 1000) - Number(timestamp));
    if (skew > WECHATPAY_MAX_CLOCK_SKEW_SECONDS) {
      throw reject(
        'STALE_TIMESTAMP',
        `Wechatpay-Timestamp is more than ${WECHATPAY_MAX_CLOCK_SKEW_SECONDS} s from our clock`,
      );
    }
    const key = this.platformKeys.get(serial);
    if (key === undefined) {
      throw reject('UNKNOWN_SERIAL', 'Wechatpay-Serial names no configured WeChat Pay public key or certificate');
    }
    if (!verifyWechatpayMessage(timestamp, nonce, input.rawBody, signature, key)) {
      throw reject('BAD_SIGNATURE', 'WeChat Pay notification signature does not verify over the raw body');
    }

    const envelope = parseObject(input.rawBody);
    const resource = envelope?.resource;
    if (envelope === undefined || !isObject(resource)) throw reject('MALFORMED', 'notification is not a JSON object');
    const { id, event_type: eventType } = envelope;
    if (typeof id !== 'string' || id === '' || typeof eventType !== 'string' || eventType === '') {
      throw reject('MALFORMED', 'WeChat Pay notification lacks id or event_type');
    }
    if (resource.algorithm !== WECHATPAY_RESOURCE_ALGORITHM) {
      throw reject('MALFORMED', `WeChat Pay notification resource must be ${WECHATPAY_RESOURCE_ALGORITHM}`);
    }
    if (typeof resource.ciphertext !== 'string' || typeof resource.nonce !== 'string') {
      throw reject('MALFORMED', 'WeChat Pay notification resource lacks ciphertext or nonce');
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
      throw reject('DECRYPT_FAILED', 'WeChat Pay notification resource does not decrypt with our APIv3 key');
    }
    const tx = parseObject(plaintext);
    if (tx === undefined) throw reject('MALFORMED', 'decrypted resource is not a JSON object');

    // Only after the signature: a forged notification learns nothing about which ids we accept.
    if (tx.mchid !== this.config.mchId) throw reject('FOREIGN_MCH_ID', 'WeChat Pay notification mchid is not ours');
    // Refund resources carry no appid; a transaction always does.
    if ((tx.appid !== undefined || eventType.startsWith('TRANSACTION.')) && tx.appid !== this.config.appId) {
      throw reject('FOREIGN_APP_ID', 'WeChat Pay notification appid is not ours');
    }
    const { out_trade_no: orderNo, transaction_id: transactionId } = tx;
    if (typeof orderNo !== 'string' || orderNo === '' || typeof transactionId !== 'string' || transactionId === '') {
      throw reject('MALFORMED', 'WeChat Pay notification resource lacks out_trade_no or transaction_id');
    }
    const amount = amountOf(tx.amount);
    if (amount === undefined) throw reject('MALFORMED', 'WeChat Pay notification amount.total is not CNY fen');
    let paidAt: Date | undefined;
    if (tx.success_time !== undefined) {
      paidAt = parseWechatpayTime(tx.success_time);
      if (paidAt === undefined) throw reject('MALFORMED', 'WeChat Pay notification success_time is not RFC 3339');
    }
    const tradeStatus = stringOr(tx.trade_state, stringOr(tx.refund_status, ''));
    return {
      provider: PROVIDER,
      notificationKey: id,
      kind: kindOf(eventType, tradeStatus),
      orderNo,
      providerTransactionId: transactionId,
      amount,
      paidAt,
      tradeStatus,
      fields: Object.freeze(auditFields(envelope, plaintext, { timestamp, nonce, signature, serial })),
      replayKey: `${timestamp}:${nonce}`,
    };
  }

  /** WeChat Pay stops retrying on 200 or 204; no body is needed. */
  ackResponse(): ProviderHttpResponse {
    return { status: 204, contentType: 'text/plain; charset=utf-8', body: '' };
  }

  /**
   * Any 4xx/5xx makes WeChat Pay retry (15 times over ~24 h). Signature problems answer 401, malformed or
   * foreign notifications 400, our own failures (and an APIv3 key that does not decrypt) 500.
   */
  rejectResponse(reason: WechatRejectReason | 'INTERNAL_ERROR'): ProviderHttpResponse {
    const status = rejectStatus(reason);
    const message = REJECT_MESSAGES[reason] ?? 'rejected';
    return {
      status,
      contentType: 'application/json; charset=utf-8',
      body: JSON.stringify({ code: 'FAIL', message }),
    };
  }

  private requireSigning(): Signing {
    if (this.signing === undefined) {
      throw new ProviderError(
        'PROVIDER_CONFIG_INVALID',
        'This WeChat Pay adapter is verify-only: it has no merchant private key to sign requests',
        HttpStatus.INTERNAL_SERVER_ERROR,
      );
    }
    return this.signing;
  }

  private timeExpire(text: string): string {
    const duration = DURATION.exec(text);
    if (duration !== null) {
      const unit = duration[2] as keyof typeof DURATION_MS;
      return formatWechatpayTime(new Date(this.now().getTime() + Number(duration[1]) * DURATION_MS[unit]));
    }
    const instant = parseWechatpayTime(text);
    if (instant === undefined) {
      throw new ProviderError(
        'PROVIDER_REQUEST_INVALID',
        'timeoutExpress must be a duration like "15m", "2h", "1d" or an RFC 3339 time with offset',
        HttpStatus.BAD_REQUEST,
      );
    }
    return formatWechatpayTime(instant);
  }

  private async call(
    signing: Signing,
    method: 'GET' | 'POST',
    path: string,
    body: string,
    operation: string,
  ): Promise<ApiAnswer> {
    const { authorization } = signWechatpayRequest({
      method,
      url: path,
      body,
      mchId: this.config.mchId,
      serialNo: signing.certSerial,
      privateKey: signing.key,
      timestamp: Math.floor(this.now().getTime() / 1000),
    });
    const headers: Record<string, string> = {
      accept: JSON_CONTENT_TYPE,
      authorization,
      'user-agent': this.userAgent,
    };
    if (method === 'POST') headers['content-type'] = `${JSON_CONTENT_TYPE}; charset=utf-8`;
    let response: Response;
    let raw: Buffer;
    try {
      const fetchFn = this.fetchFn ?? fetch;
      response = await fetchFn(`${signing.baseUrl}${path}`, {
        method,
        headers,
        body: method === 'POST' ? body : undefined,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      raw = Buffer.from(await response.arrayBuffer());
    } catch (error) {
      // Duck-typed: fetch rejects with a DOMException that is not an Error of every realm (Jest's vm, workers).
      const name = typeof error === 'object' && error !== null && 'name' in error ? error.name : undefined;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new ProviderError(
          'PROVIDER_TIMEOUT',
          `WeChat Pay ${operation} did not answer within ${this.timeoutMs} ms`,
          HttpStatus.GATEWAY_TIMEOUT,
        );
      }
      throw new ProviderError('PROVIDER_UNAVAILABLE', `WeChat Pay ${operation} could not be reached`);
    }
    const success = response.status >= 200 && response.status < 300;
    const signed = this.verifyAnswer(response.headers, raw, operation, success);
    let json: Json | undefined;
    if (raw.length > 0) {
      json = parseObject(raw.toString('utf8'));
      if (json === undefined && success) {
        throw new ProviderError('PROVIDER_ANSWER_INVALID', `WeChat Pay ${operation} answer is not a JSON object`);
      }
    }
    return { status: response.status, json, signed };
  }

  /**
   * Checks the Wechatpay-* headers of an answer over its raw bytes. Success answers must be signed; error answers
   * are checked when signed (WeChat Pay signs them too) and otherwise only used to report the refusal.
   */
  private verifyAnswer(headers: Headers, raw: Buffer, operation: string, required: boolean): boolean {
    const timestamp = headers.get('wechatpay-timestamp');
    const nonce = headers.get('wechatpay-nonce');
    const signature = headers.get('wechatpay-signature');
    const serial = headers.get('wechatpay-serial');
    const invalid = (why: string): ProviderError =>
      new ProviderError('PROVIDER_ANSWER_SIGNATURE_INVALID', `WeChat Pay ${operation} answer ${why}`);
    if (!timestamp || !nonce || !signature || !serial) {
      if (required) throw invalid('is not signed (Wechatpay-* headers missing)');
      return false;
    }
    if (
      !/^\d{1,12}$/.test(timestamp) ||
      Math.abs(Math.floor(this.now().getTime() / 1000) - Number(timestamp)) > WECHATPAY_MAX_CLOCK_SKEW_SECONDS
    ) {
      throw invalid(`Wechatpay-Timestamp is more than ${WECHATPAY_MAX_CLOCK_SKEW_SECONDS} s from our clock`);
    }
    const key = this.platformKeys.get(serial);
    if (key === undefined) throw invalid('names an unknown Wechatpay-Serial');
    if (!verifyWechatpayMessage(timestamp, nonce, raw, signature, key)) {
      throw invalid('fails signature verification with the configured WeChat Pay key');
    }
    return true;
  }

  private refused(operation: string, answer: ApiAnswer): ProviderError {
    const code = typeof answer.json?.code === 'string' ? answer.json.code.slice(0, 64) : undefined;
    const message = typeof answer.json?.message === 'string' ? answer.json.message.slice(0, 256) : undefined;
    if (answer.status >= 500 || answer.status === 429 || code === 'SYSTEM_ERROR' || code === 'FREQUENCY_LIMITED') {
      return new ProviderError(
        'PROVIDER_UNAVAILABLE',
        `WeChat Pay ${operation} answered HTTP ${answer.status}`,
        HttpStatus.BAD_GATEWAY,
        { status: answer.status, code },
      );
    }
    return new ProviderError('PROVIDER_REJECTED', `WeChat Pay refused the ${operation}`, HttpStatus.BAD_GATEWAY, {
      status: answer.status,
      code,
      message,
      signed: answer.signed,
    });
  }
}

function reject(reason: WechatRejectReason, message: string): NotificationRejectedError {
  // The cast goes once NotificationRejectReason lists the WeChat reasons.
  return new NotificationRejectedError(PROVIDER, reason, message);
}

// Sets rather than a switch: reasons other providers add to NotificationRejectReason fall to 400 without an edit here.
const SIGNATURE_REASONS: ReadonlySet<string> = new Set<WechatRejectReason>([
  'BAD_SIGNATURE',
  'SIGNATURE_PROBE',
  'UNKNOWN_SERIAL',
  'STALE_TIMESTAMP',
  'UNSUPPORTED_SIGN_TYPE',
]);
const INTERNAL_REASONS: ReadonlySet<string> = new Set<WechatRejectReason | 'INTERNAL_ERROR'>([
  'DECRYPT_FAILED',
  'INTERNAL_ERROR',
]);

function rejectStatus(reason: WechatRejectReason | 'INTERNAL_ERROR'): number {
  if (SIGNATURE_REASONS.has(reason)) return 401;
  if (INTERNAL_REASONS.has(reason)) return 500;
  if (reason === 'UNSUPPORTED_CONTENT_TYPE') return 415;
  return 400;
}

/**
 * Builds the Wechatpay-Serial -> key map. A certificate PEM must carry the serial it is filed under (case
 * insensitive; WeChat Pay writes upper-case hex), so a mislabelled certificate fails at boot.
 */
function loadPlatformKeys(platformKeys: WechatPayPlatformKeys | undefined): ReadonlyMap<string, KeyObject> {
  const entries = Object.entries(platformKeys ?? {});
  if (entries.length === 0) {
    throw new ProviderError(
      'PROVIDER_CONFIG_INVALID',
      'WeChat Pay platformKeys needs at least one public key id or platform certificate serial',
      HttpStatus.INTERNAL_SERVER_ERROR,
    );
  }
  const keys = new Map<string, KeyObject>();
  for (const [serial, value] of entries) {
    const label = `WeChat Pay key ${serial}`;
    if (typeof value === 'string' && value.replace(/\\n/g, '\n').includes('-----BEGIN CERTIFICATE-----')) {
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(value.replace(/\\n/g, '\n'));
      } catch {
        throw new ProviderError(
          'PROVIDER_KEY_INVALID',
          `${label} is not a parseable X.509 certificate`,
          HttpStatus.INTERNAL_SERVER_ERROR,
        );
      }
      if (certificate.serialNumber.toUpperCase() !== serial.toUpperCase()) {
        throw new ProviderError(
          'PROVIDER_KEY_INVALID',
          `${label}: the certificate's serial number differs from the serial it is configured under`,
          HttpStatus.INTERNAL_SERVER_ERROR,
        );
      }
      const key = parsePublicKey(certificate.publicKey, label);
      keys.set(serial, key);
      keys.set(serial.toUpperCase(), key);
    } else {
      keys.set(serial, parsePublicKey(value, label));
    }
  }
  return keys;
}

function requireOrderNo(orderNo: string): void {
  if (typeof orderNo !== 'string' || !OUT_TRADE_NO.test(orderNo)) {
    throw new ProviderError(
      'PROVIDER_REQUEST_INVALID',
      'orderNo must be 6 to 32 of letters, digits, "_", "-" or "*" (WeChat Pay out_trade_no)',
      HttpStatus.BAD_REQUEST,
    );
  }
}

function requireNotifyUrl(notifyUrl: string): void {
  let url: URL | undefined;
  try {
    url = new URL(notifyUrl);
  } catch {
    url = undefined;
  }
  const secure = url?.protocol === 'https:' || (url?.protocol === 'http:' && LOOPBACK_HOSTS.has(url.hostname));
  if (url === undefined || !secure || url.search !== '' || url.hash !== '' || notifyUrl.includes('?')) {
    // WeChat Pay refuses http (we allow it for loopback test receivers only) and drops any query string.
    throw new ProviderError(
      'PROVIDER_REQUEST_INVALID',
      'notifyUrl must be an absolute https URL without query string or fragment',
      HttpStatus.BAD_REQUEST,
    );
  }
}

/**
 * The subject cut to WeChat Pay's 127-character description limit without splitting a character: whole grapheme
 * clusters only (an emoji with its modifiers, a letter with its combining marks), counted in UTF-16 code units,
 * so the result fits however WeChat Pay counts (code points or Java chars).
 */
export function cutDescription(subject: string): string {
  const trimmed = subject.trim();
  if (trimmed.length <= DESCRIPTION_MAX) return trimmed;
  let result = '';
  for (const { segment } of new Intl.Segmenter('und', { granularity: 'grapheme' }).segment(trimmed)) {
    if (result.length + segment.length > DESCRIPTION_MAX) break;
    result += segment;
  }
  return result.trimEnd();
}

function amountOf(value: unknown): Money | undefined {
  if (!isObject(value)) return undefined;
  const { total, currency } = value;
  if (typeof total !== 'number' || !Number.isSafeInteger(total) || total < 0) return undefined;
  if (currency !== undefined && typeof currency !== 'string') return undefined;
  try {
    return fromWechatPayAmount(total, currency ?? 'CNY');
  } catch {
    return undefined;
  }
}

function kindOf(eventType: string, tradeStatus: string): NotificationKind {
  if (eventType === 'TRANSACTION.SUCCESS' && tradeStatus === 'SUCCESS') return 'payment-succeeded';
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

function parseObject(text: string): Json | undefined {
  try {
    const value: unknown = JSON.parse(text);
    return isObject(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function stringOr(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function auditFields(
  envelope: Json,
  plaintext: string,
  headers: { timestamp: string; nonce: string; signature: string; serial: string },
): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const [key, value] of Object.entries(envelope)) {
    if (key !== 'resource' && (typeof value === 'string' || typeof value === 'number')) fields[key] = String(value);
  }
  const resource = envelope.resource as Json;
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
