import type { KeyObject } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { type Money, fromAlipayAmount, toAlipayAmount } from '@shop/money';
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
import type { AlipayConfig } from './alipay.config';
import { signAlipayRequest, verifyAlipayAnswer, verifyAlipayNotification } from './alipay-signer';
import { formatChinaTime, parseChinaTime } from './china-time';

type Signing = { readonly key: KeyObject; readonly gatewayUrl: string };

/** Options that tests and callers tune; the defaults suit production. */
export interface AlipayAdapterOptions {
  /** The clock for request timestamps; injected so tests are deterministic. */
  readonly now?: () => Date;
  /** Gateway call timeout in milliseconds (default 10 000). */
  readonly timeoutMs?: number;
}

const PROVIDER = 'alipay';
const OUT_TRADE_NO = /^[A-Za-z0-9_]{1,64}$/;
// Parameters the official SDK puts in the query string, so the gateway knows the charset before reading the body.
const QUERY_PARAMS = new Set([
  'app_id',
  'method',
  'format',
  'charset',
  'sign_type',
  'sign',
  'timestamp',
  'version',
  'notify_url',
]);
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
const REQUIRED_CONFIG_FIELDS = ['appId', 'sellerId', 'gatewayUrl'] as const;
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
 * What a verify-only adapter needs (e.g. the notification-ingest): no application private key, no gateway.
 * Such an adapter verifies notifications; createPayment refuses with PROVIDER_CONFIG_INVALID.
 */
export type AlipayVerifyOnlyConfig = Pick<AlipayConfig, 'appId' | 'sellerId' | 'alipayPublicKey'> & {
  readonly privateKey?: undefined;
  readonly gatewayUrl?: string;
};

/** Alipay (OpenAPI gateway, RSA2) as a PaymentProvider: QR via alipay.trade.precreate, web via alipay.trade.page.pay. */
export class AlipayAdapter implements PaymentProvider {
  readonly name = PROVIDER;
  // Undefined for a verify-only adapter: a service that only receives callbacks should not hold the signing key.
  private readonly signing: Signing | undefined;
  private readonly alipayPublicKey: KeyObject;
  private readonly now: () => Date;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: AlipayConfig | AlipayVerifyOnlyConfig,
    options: AlipayAdapterOptions = {},
  ) {
    // Parsed once at start, so a broken key fails the service at boot rather than at the first payment.
    const appPrivateKey =
      config.privateKey === undefined
        ? undefined
        : parsePrivateKey(config.privateKey, 'Alipay application private key');
    this.alipayPublicKey = parsePublicKey(config.alipayPublicKey, 'Alipay public key');
    const required = appPrivateKey === undefined ? (['appId', 'sellerId'] as const) : REQUIRED_CONFIG_FIELDS;
    for (const field of required) {
      if (typeof config[field] !== 'string' || config[field].trim() === '') {
        throw new ProviderError(
          'PROVIDER_CONFIG_INVALID',
          `Alipay ${field} is required`,
          HttpStatus.INTERNAL_SERVER_ERROR,
        );
      }
    }
    this.signing =
      appPrivateKey === undefined ? undefined : { key: appPrivateKey, gatewayUrl: config.gatewayUrl ?? '' };
    this.now = options.now ?? (() => new Date());
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Opens an Alipay trade: 'qr' calls alipay.trade.precreate; 'page' returns a signed alipay.trade.page.pay URL. */
  async createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult> {
    const signing = this.signing;
    if (signing === undefined) {
      throw new ProviderError(
        'PROVIDER_CONFIG_INVALID',
        'This Alipay adapter is verify-only: it has no application private key to sign requests',
        HttpStatus.INTERNAL_SERVER_ERROR,
      );
    }
    if (!OUT_TRADE_NO.test(request.orderNo)) {
      throw new ProviderError(
        'PROVIDER_REQUEST_INVALID',
        'orderNo must be 1 to 64 letters, digits or underscores (Alipay out_trade_no)',
        HttpStatus.BAD_REQUEST,
      );
    }
    if (request.subject.trim() === '') {
      throw new ProviderError('PROVIDER_REQUEST_INVALID', 'subject must not be empty', HttpStatus.BAD_REQUEST);
    }
    const biz: Record<string, string> = {
      out_trade_no: request.orderNo,
      total_amount: toAlipayAmount(request.amount),
      subject: request.subject,
    };
    if (request.timeoutExpress !== undefined) biz.timeout_express = request.timeoutExpress;
    switch (request.method) {
      case 'qr':
        return { kind: 'qr', qrCode: await this.precreate(signing, request, biz) };
      case 'page':
        return {
          kind: 'redirect',
          redirectUrl: this.pagePayUrl(signing, request, { ...biz, product_code: 'FAST_INSTANT_TRADE_PAY' }),
        };
      case 'native':
      case 'checkout':
        throw new ProviderError(
          'PROVIDER_METHOD_UNSUPPORTED',
          `Alipay does not support method ${request.method}`,
          HttpStatus.BAD_REQUEST,
        );
    }
  }

  /** Verifies an Alipay notification (content type, RSA2 signature, app_id, seller_id) and maps it. */
  verifyNotification(input: NotificationInput): VerifiedNotification {
    const mediaType = (input.contentType ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType !== FORM_CONTENT_TYPE) {
      throw this.reject('UNSUPPORTED_CONTENT_TYPE', `Alipay notifications are ${FORM_CONTENT_TYPE}`);
    }
    const fields = this.parseForm(input.rawBody);
    for (const name of REQUIRED_NOTIFICATION_FIELDS) {
      if (!fields[name]) throw this.reject('MALFORMED', `Alipay notification lacks ${name}`);
    }
    if (fields.sign_type !== undefined && fields.sign_type !== 'RSA2') {
      throw this.reject('UNSUPPORTED_SIGN_TYPE', 'Alipay notifications must be signed with sign_type RSA2');
    }
    if (fields.charset !== undefined && fields.charset.toLowerCase() !== 'utf-8') {
      // The form was decoded as UTF-8; any other charset would verify garbage.
      throw this.reject('MALFORMED', 'Alipay notification charset must be utf-8');
    }
    if (!verifyAlipayNotification(fields, this.alipayPublicKey)) {
      throw this.reject('BAD_SIGNATURE', 'Alipay notification signature does not verify with the Alipay public key');
    }
    // Only after the signature: a forged notification learns nothing about which ids we accept.
    if (fields.app_id !== this.config.appId) {
      throw this.reject('FOREIGN_APP_ID', 'Alipay notification app_id is not ours');
    }
    if (fields.seller_id !== this.config.sellerId) {
      throw this.reject('FOREIGN_SELLER_ID', 'Alipay notification seller_id is not ours');
    }
    let amount: Money;
    try {
      amount = fromAlipayAmount(fields.total_amount);
    } catch {
      throw this.reject('MALFORMED', 'Alipay notification total_amount is not a yuan amount');
    }
    let paidAt: Date | undefined;
    if (fields.gmt_payment) {
      paidAt = parseChinaTime(fields.gmt_payment);
      if (paidAt === undefined)
        throw this.reject('MALFORMED', 'Alipay notification gmt_payment is not "yyyy-MM-dd HH:mm:ss"');
    }
    return {
      provider: PROVIDER,
      notificationKey: fields.notify_id,
      kind: kindOf(fields.trade_status),
      orderNo: fields.out_trade_no,
      providerTransactionId: fields.trade_no,
      amount,
      paidAt,
      tradeStatus: fields.trade_status,
      fields: Object.freeze(fields),
    };
  }

  /**
   * alipay.trade.query: where the trade for `orderNo` stands. TRADE_SUCCESS / TRADE_FINISHED are paid (with
   * trade_no, total_amount and send_pay_date, the same trade_no a notification carries), WAIT_BUYER_PAY pending,
   * TRADE_CLOSED closed, ACQ.TRADE_NOT_EXIST not-found (the buyer never scanned, or the trade was never opened).
   */
  async queryPayment(orderNo: string): Promise<PaymentQueryResult> {
    const method = 'alipay.trade.query';
    const answer = await this.call(this.signingOrThrow(), method, { out_trade_no: this.checkedOrderNo(orderNo) });
    if (answer.code !== '10000') {
      if (answer.sub_code === 'ACQ.TRADE_NOT_EXIST')
        return { status: 'not-found', providerStatus: 'ACQ.TRADE_NOT_EXIST' };
      throw this.refused(method, answer);
    }
    const tradeStatus = typeof answer.trade_status === 'string' ? answer.trade_status : '';
    if (answer.out_trade_no !== orderNo) {
      throw new ProviderError('PROVIDER_ANSWER_INVALID', `Alipay ${method} answer names another out_trade_no`);
    }
    switch (tradeStatus) {
      case 'TRADE_SUCCESS':
      case 'TRADE_FINISHED':
        return this.paidResult(method, answer, tradeStatus);
      case 'WAIT_BUYER_PAY':
        return { status: 'pending', providerStatus: tradeStatus };
      case 'TRADE_CLOSED':
        return { status: 'closed', providerStatus: tradeStatus };
      default:
        throw new ProviderError(
          'PROVIDER_ANSWER_INVALID',
          `Alipay ${method} answered an unknown trade_status`,
          undefined,
          {
            tradeStatus,
          },
        );
    }
  }

  /**
   * alipay.trade.close: the buyer can no longer pay the trade. A trade that does not exist (never scanned) or is
   * already closed counts as closed. A paid trade cannot be closed: PROVIDER_TRADE_PAID, so the caller leaves it
   * for the payment to be confirmed. Alipay answers both "paid" and "already closed" with ACQ.TRADE_STATUS_ERROR,
   * so that answer is settled by a query.
   */
  async closePayment(orderNo: string): Promise<void> {
    const method = 'alipay.trade.close';
    const answer = await this.call(this.signingOrThrow(), method, { out_trade_no: this.checkedOrderNo(orderNo) });
    if (answer.code === '10000') return;
    if (answer.sub_code === 'ACQ.TRADE_NOT_EXIST' || answer.sub_code === 'ACQ.TRADE_HAS_CLOSE') return;
    if (answer.sub_code !== 'ACQ.TRADE_STATUS_ERROR') throw this.refused(method, answer);
    const state = await this.queryPayment(orderNo);
    if (state.status === 'closed' || state.status === 'not-found') return;
    if (state.status === 'paid') {
      throw new ProviderError(
        'PROVIDER_TRADE_PAID',
        `Alipay trade ${orderNo} is paid and cannot be closed`,
        HttpStatus.CONFLICT,
        {
          providerTransactionId: state.providerTransactionId,
          providerStatus: state.providerStatus,
        },
      );
    }
    throw this.refused(method, answer);
  }

  /** Alipay stops retrying only on a 200 whose body is exactly `success`. */
  ackResponse(): ProviderHttpResponse {
    return { status: 200, contentType: 'text/plain; charset=utf-8', body: 'success' };
  }

  /** Anything but `success` makes Alipay retry (about 8 times over 25 h). */
  rejectResponse(_reason: NotificationRejectReason | 'INTERNAL_ERROR'): ProviderHttpResponse {
    return { status: 400, contentType: 'text/plain; charset=utf-8', body: 'fail' };
  }

  private commonParams(
    signing: Signing,
    method: string,
    notifyUrl: string | undefined,
    biz: Record<string, string>,
  ): Record<string, string> {
    const params: Record<string, string> = {
      app_id: this.config.appId,
      method,
      format: 'JSON',
      charset: 'utf-8',
      sign_type: 'RSA2',
      timestamp: formatChinaTime(this.now()),
      version: '1.0',
      biz_content: JSON.stringify(biz),
    };
    // Queries and closes have no notification; an empty notify_url would only be sent, never signed.
    if (notifyUrl !== undefined) params.notify_url = notifyUrl;
    params.sign = signAlipayRequest(params, signing.key);
    return params;
  }

  private pagePayUrl(signing: Signing, request: CreatePaymentRequest, biz: Record<string, string>): string {
    const url = new URL(signing.gatewayUrl);
    const params = this.commonParams(signing, 'alipay.trade.page.pay', request.notifyUrl, biz);
    for (const [key, value] of Object.entries(params)) {
      url.searchParams.set(key, value);
    }
    return url.toString();
  }

  private async precreate(
    signing: Signing,
    request: CreatePaymentRequest,
    biz: Record<string, string>,
  ): Promise<string> {
    const method = 'alipay.trade.precreate';
    const answer = await this.call(signing, method, biz, request.notifyUrl);
    if (answer.code !== '10000') {
      throw new ProviderError('PROVIDER_REJECTED', `Alipay ${method} refused the payment`, HttpStatus.BAD_GATEWAY, {
        code: answer.code,
        subCode: answer.sub_code,
        subMsg: answer.sub_msg,
      });
    }
    if (answer.out_trade_no !== request.orderNo || typeof answer.qr_code !== 'string' || answer.qr_code === '') {
      throw new ProviderError(
        'PROVIDER_ANSWER_INVALID',
        `Alipay ${method} answer lacks qr_code or names another out_trade_no`,
      );
    }
    return answer.qr_code;
  }

  /** POSTs a signed gateway request and returns the `<method>_response` object once its signature verified. */
  private async call(
    signing: Signing,
    method: string,
    biz: Record<string, string>,
    notifyUrl?: string,
  ): Promise<Readonly<Record<string, unknown>>> {
    const params = this.commonParams(signing, method, notifyUrl, biz);
    const url = new URL(signing.gatewayUrl);
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(params)) {
      if (QUERY_PARAMS.has(key)) url.searchParams.set(key, value);
      else body.set(key, value);
    }
    let response: Response;
    let text: string;
    try {
      response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': `${FORM_CONTENT_TYPE};charset=utf-8`, accept: 'application/json' },
        body: body.toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      // Duck-typed: fetch rejects with a DOMException that is not an Error of every realm (Jest's vm, workers).
      const name = typeof error === 'object' && error !== null && 'name' in error ? error.name : undefined;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new ProviderError(
          'PROVIDER_TIMEOUT',
          `Alipay ${method} did not answer within ${this.timeoutMs} ms`,
          HttpStatus.GATEWAY_TIMEOUT,
        );
      }
      throw new ProviderError('PROVIDER_UNAVAILABLE', `Alipay ${method} could not be reached`, HttpStatus.BAD_GATEWAY);
    }
    if (response.status !== 200) {
      throw new ProviderError(
        'PROVIDER_UNAVAILABLE',
        `Alipay ${method} answered HTTP ${response.status}`,
        HttpStatus.BAD_GATEWAY,
      );
    }
    return verifyAlipayAnswer(text, method, this.alipayPublicKey).response;
  }

  private signingOrThrow(): Signing {
    if (this.signing === undefined) {
      throw new ProviderError(
        'PROVIDER_CONFIG_INVALID',
        'This Alipay adapter is verify-only: it has no application private key to sign requests',
        HttpStatus.INTERNAL_SERVER_ERROR,
      );
    }
    return this.signing;
  }

  private checkedOrderNo(orderNo: string): string {
    if (!OUT_TRADE_NO.test(orderNo)) {
      throw new ProviderError(
        'PROVIDER_REQUEST_INVALID',
        'orderNo must be 1 to 64 letters, digits or underscores (Alipay out_trade_no)',
        HttpStatus.BAD_REQUEST,
      );
    }
    return orderNo;
  }

  private paidResult(
    method: string,
    answer: Readonly<Record<string, unknown>>,
    tradeStatus: string,
  ): PaymentQueryResult {
    const { trade_no: tradeNo, total_amount: totalAmount, send_pay_date: sendPayDate } = answer;
    if (typeof tradeNo !== 'string' || tradeNo === '' || typeof totalAmount !== 'string') {
      throw new ProviderError('PROVIDER_ANSWER_INVALID', `Alipay ${method} paid answer lacks trade_no or total_amount`);
    }
    let amount: Money;
    try {
      amount = fromAlipayAmount(totalAmount);
    } catch {
      throw new ProviderError('PROVIDER_ANSWER_INVALID', `Alipay ${method} total_amount is not a yuan amount`);
    }
    // send_pay_date is China time; a paid answer without it is malformed rather than "paid now".
    const paidAt = typeof sendPayDate === 'string' ? parseChinaTime(sendPayDate) : undefined;
    if (paidAt === undefined) {
      throw new ProviderError('PROVIDER_ANSWER_INVALID', `Alipay ${method} paid answer lacks a valid send_pay_date`);
    }
    return { status: 'paid', providerTransactionId: tradeNo, amount, paidAt, providerStatus: tradeStatus };
  }

  private refused(method: string, answer: Readonly<Record<string, unknown>>): ProviderError {
    return new ProviderError('PROVIDER_REJECTED', `Alipay ${method} was refused`, HttpStatus.BAD_GATEWAY, {
      code: answer.code,
      subCode: answer.sub_code,
      subMsg: answer.sub_msg,
    });
  }

  private parseForm(rawBody: string): Record<string, string> {
    // Decoded exactly once: decoding again would turn a literal "%" or "+" into something Alipay never signed.
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [key, value] of new URLSearchParams(rawBody)) {
      if (Object.hasOwn(fields, key)) throw this.reject('MALFORMED', `Alipay notification repeats ${key}`);
      fields[key] = value;
    }
    return { ...fields };
  }

  private reject(reason: NotificationRejectReason, message: string): NotificationRejectedError {
    return new NotificationRejectedError(PROVIDER, reason, message);
  }
}

function kindOf(tradeStatus: string): NotificationKind {
  switch (tradeStatus) {
    case 'TRADE_SUCCESS':
    case 'TRADE_FINISHED':
      return 'payment-succeeded';
    case 'TRADE_CLOSED':
      return 'payment-closed';
    default:
      return 'other';
  }
}
