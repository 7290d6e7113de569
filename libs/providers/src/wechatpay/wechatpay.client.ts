import type { KeyObject } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { toWechatPayAmount } from '@shop/money';
import { parsePrivateKey } from '../keys';
import type { CreatePaymentRequest, CreatePaymentResult, PaymentQueryResult, ProviderClient } from '../provider-client';
import { ProviderError } from '../provider-error';
import type { RefundRequest, RefundResult } from '../refund';
import type { WechatPayClientConfig } from './wechatpay.config';
import { type WechatpayJson, parseWechatpayObject, wechatpayAmount } from './wechatpay-json';
import { loadWechatpayPlatformKeys } from './wechatpay-platform-keys';
import { WECHATPAY_MAX_CLOCK_SKEW_SECONDS, signWechatpayRequest, verifyWechatpayMessage } from './wechatpay-signer';
import { formatWechatpayTime, parseWechatpayTime } from './wechatpay-time';

/** Options that tests and callers tune; the defaults suit production. */
export interface WechatPayClientOptions {
  /** The clock for request timestamps and the answers' freshness window; injected so tests can skew it. */
  readonly now?: () => Date;
  /** API call timeout in milliseconds (default 10 000). */
  readonly timeoutMs?: number;
  /** The fetch to call (default: the global fetch, looked up per call). */
  readonly fetch?: typeof fetch;
  /** Sent as User-Agent, which WeChat Pay requires on every API request. */
  readonly userAgent?: string;
}

interface ApiAnswer {
  readonly status: number;
  readonly json: WechatpayJson | undefined;
  /** Whether the Wechatpay-* headers were present and verified. */
  readonly signed: boolean;
}

const OUT_TRADE_NO = /^[0-9A-Za-z_\-*]{6,32}$/;
const DESCRIPTION_MAX = 127;
const JSON_CONTENT_TYPE = 'application/json';
const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * WeChat Pay API v3 as a ProviderClient: Native (QR code_url) payments, query and close. Requests are signed with
 * the merchant API private key; answers are believed only once WeChat Pay's signature over them verifies.
 */
export class WechatPayClient implements ProviderClient {
  readonly name = 'wechatpay';
  private readonly merchantKey: KeyObject;
  private readonly certSerial: string;
  private readonly baseUrl: string;
  private readonly platformKeys: ReadonlyMap<string, KeyObject>;
  private readonly now: () => Date;
  private readonly timeoutMs: number;
  private readonly fetchFn: typeof fetch | undefined;
  private readonly userAgent: string;

  constructor(
    private readonly config: WechatPayClientConfig,
    options: WechatPayClientOptions = {},
  ) {
    // Parsed once at start, so a broken key fails the service at boot rather than at the first payment.
    this.merchantKey = parsePrivateKey(config.privateKey, 'WeChat Pay merchant API private key');
    for (const field of ['appId', 'mchId', 'certSerial', 'baseUrl'] as const) {
      const value = config[field];
      if (typeof value !== 'string' || value.trim() === '') {
        throw new ProviderError(
          'PROVIDER_CONFIG_INVALID',
          `WeChat Pay ${field} is required`,
          HttpStatus.INTERNAL_SERVER_ERROR,
        );
      }
    }
    this.platformKeys = loadWechatpayPlatformKeys(config.platformKeys);
    this.certSerial = config.certSerial.trim();
    this.baseUrl = config.baseUrl.replace(/\/+$/, '');
    this.now = options.now ?? (() => new Date());
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.fetchFn = options.fetch;
    this.userAgent = options.userAgent ?? 'shop-providers-wechatpay/1.0';
  }

  /** Opens a Native payment: POST /v3/pay/transactions/native, answered with the code_url to show as a QR code. */
  async createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult> {
    if (request.method !== 'native') {
      throw new ProviderError(
        'PROVIDER_METHOD_UNSUPPORTED',
        `WeChat Pay supports method native, not ${request.method}`,
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
    // Key order is the order WeChat Pay documents; the body is signed as these exact bytes.
    const body: WechatpayJson = {
      appid: this.config.appId,
      mchid: this.config.mchId,
      description,
      out_trade_no: request.orderNo,
    };
    if (request.expiresAt !== undefined) body.time_expire = timeExpire(request.expiresAt);
    body.notify_url = request.notifyUrl;
    body.amount = { total, currency: 'CNY' };

    const operation = 'native payment';
    const answer = await this.call('POST', '/v3/pay/transactions/native', JSON.stringify(body), operation);
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
    requireOrderNo(orderNo);
    const operation = 'payment query';
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(orderNo)}?mchid=${encodeURIComponent(this.config.mchId)}`;
    const answer = await this.call('GET', path, '', operation);
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
        const amount = wechatpayAmount(tx.amount);
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
    requireOrderNo(orderNo);
    const operation = 'payment close';
    const path = `/v3/pay/transactions/out-trade-no/${encodeURIComponent(orderNo)}/close`;
    const answer = await this.call('POST', path, JSON.stringify({ mchid: this.config.mchId }), operation);
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
   * POST /v3/refund/domestic/refunds of one payment by its transaction_id, with out_refund_no = our refund key
   * (WeChat Pay refunds once per out_refund_no). The answer usually only accepts the refund (PROCESSING): the
   * result comes by the REFUND.* notification or the refund query. A refusal of the request (more than
   * refundable, a trade not refundable) fails the refund; SYSTEM_ERROR, 5xx and transport failures throw for a
   * retry with the same key.
   */
  async refundPayment(request: RefundRequest): Promise<RefundResult> {
    const operation = 'refund';
    const body = JSON.stringify({
      transaction_id: request.providerTransactionId,
      out_refund_no: request.refundNo,
      reason: request.reason.slice(0, 80),
      notify_url: request.notifyUrl,
      amount: {
        refund: toWechatPayAmount(request.amount),
        total: toWechatPayAmount(request.paymentAmount),
        currency: 'CNY',
      },
    });
    const answer = await this.call('POST', '/v3/refund/domestic/refunds', body, operation);
    if (answer.status === 200 && answer.json !== undefined) return this.refundState(operation, request, answer.json);
    const refusal = this.refused(operation, answer);
    if (refusal.code === 'PROVIDER_UNAVAILABLE') throw refusal;
    const code = typeof answer.json?.code === 'string' ? answer.json.code.slice(0, 64) : `HTTP_${answer.status}`;
    const message = typeof answer.json?.message === 'string' ? `: ${answer.json.message.slice(0, 120)}` : '';
    return { status: 'failed', providerStatus: code, failureReason: `${code}${message}` };
  }

  /** GET /v3/refund/domestic/refunds/{out_refund_no}: the refund's status; RESOURCE_NOT_EXISTS is not-found. */
  async queryRefund(request: RefundRequest): Promise<RefundResult> {
    const operation = 'refund query';
    const path = `/v3/refund/domestic/refunds/${encodeURIComponent(request.refundNo)}`;
    const answer = await this.call('GET', path, '', operation);
    if (answer.status === 404 && answer.json?.code === 'RESOURCE_NOT_EXISTS') {
      return { status: 'not-found', providerStatus: 'RESOURCE_NOT_EXISTS' };
    }
    if (answer.status !== 200 || answer.json === undefined) throw this.refused(operation, answer);
    return this.refundState(operation, request, answer.json);
  }

  private refundState(operation: string, request: RefundRequest, json: WechatpayJson): RefundResult {
    if (json.out_refund_no !== request.refundNo) {
      throw new ProviderError('PROVIDER_ANSWER_INVALID', `WeChat Pay ${operation} answer names another out_refund_no`);
    }
    const refundId = typeof json.refund_id === 'string' ? json.refund_id : undefined;
    const status = typeof json.status === 'string' ? json.status : '';
    switch (status) {
      case 'SUCCESS':
        return { status: 'succeeded', providerRefundId: refundId, providerStatus: status };
      case 'PROCESSING':
        return { status: 'pending', providerRefundId: refundId, providerStatus: status };
      case 'CLOSED':
      case 'ABNORMAL':
        // ABNORMAL: the buyer's account cannot take the money back; it needs handling outside this refund.
        return { status: 'failed', providerRefundId: refundId, providerStatus: status, failureReason: status };
      default:
        throw new ProviderError('PROVIDER_ANSWER_INVALID', `WeChat Pay ${operation} answer has an unknown status`);
    }
  }

  private async call(method: 'GET' | 'POST', path: string, body: string, operation: string): Promise<ApiAnswer> {
    const { authorization } = signWechatpayRequest({
      method,
      url: path,
      body,
      mchId: this.config.mchId,
      serialNo: this.certSerial,
      privateKey: this.merchantKey,
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
      response = await fetchFn(`${this.baseUrl}${path}`, {
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
    let json: WechatpayJson | undefined;
    if (raw.length > 0) {
      json = parseWechatpayObject(raw.toString('utf8'));
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

/** time_expire: the deadline as RFC 3339 in China time, as WeChat Pay writes its own times. */
function timeExpire(expiresAt: Date): string {
  if (Number.isNaN(expiresAt.getTime())) {
    throw new ProviderError(
      'PROVIDER_REQUEST_INVALID',
      'expiresAt must be a valid time (WeChat Pay time_expire)',
      HttpStatus.BAD_REQUEST,
    );
  }
  return formatWechatpayTime(expiresAt);
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
