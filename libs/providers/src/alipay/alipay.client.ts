import type { KeyObject } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { type Money, fromAlipayAmount, toAlipayAmount } from '@shop/money';
import { parsePrivateKey, parsePublicKey } from '../keys';
import type { CreatePaymentRequest, CreatePaymentResult, PaymentQueryResult, ProviderClient } from '../provider-client';
import type { RefundRequest, RefundResult } from '../refund';
import { ProviderError } from '../provider-error';
import type { AlipayClientConfig } from './alipay.config';
import { signAlipayRequest, verifyAlipayAnswer } from './alipay-signer';
import { formatChinaTime, parseChinaTime } from './china-time';

/** Options that tests and callers tune; the defaults suit production. */
export interface AlipayClientOptions {
  /** The clock for request timestamps and timeout_express; injected so tests are deterministic. */
  readonly now?: () => Date;
  /** Gateway call timeout in milliseconds (default 10 000). */
  readonly timeoutMs?: number;
}

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
const REQUIRED_CONFIG_FIELDS = ['appId', 'gatewayUrl'] as const;

/**
 * Alipay's OpenAPI gateway (RSA2) as a ProviderClient: QR via alipay.trade.precreate, web via alipay.trade.page.pay,
 * then alipay.trade.query and alipay.trade.close. Requests are signed with the application private key; answers
 * are believed only once Alipay's signature over them verifies.
 */
export class AlipayClient implements ProviderClient {
  readonly name = 'alipay';
  private readonly privateKey: KeyObject;
  private readonly alipayPublicKey: KeyObject;
  private readonly now: () => Date;
  private readonly timeoutMs: number;

  constructor(
    private readonly config: AlipayClientConfig,
    options: AlipayClientOptions = {},
  ) {
    // Parsed once at start, so a broken key fails the service at boot rather than at the first payment.
    this.privateKey = parsePrivateKey(config.privateKey, 'Alipay application private key');
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
    this.now = options.now ?? (() => new Date());
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /** Opens an Alipay trade: 'qr' calls alipay.trade.precreate; 'page' returns a signed alipay.trade.page.pay URL. */
  async createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult> {
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
    if (request.expiresAt !== undefined) biz.timeout_express = alipayTimeoutExpress(request.expiresAt, this.now());
    switch (request.method) {
      case 'qr':
        return { kind: 'qr', qrCode: await this.precreate(request, biz) };
      case 'page':
        return {
          kind: 'redirect',
          redirectUrl: this.pagePayUrl(request, { ...biz, product_code: 'FAST_INSTANT_TRADE_PAY' }),
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

  /**
   * alipay.trade.query: where the trade for `orderNo` stands. TRADE_SUCCESS / TRADE_FINISHED are paid (with
   * trade_no, total_amount and send_pay_date, the same trade_no a notification carries), WAIT_BUYER_PAY pending,
   * TRADE_CLOSED closed, ACQ.TRADE_NOT_EXIST not-found (the buyer never scanned, or the trade was never opened).
   */
  async queryPayment(orderNo: string): Promise<PaymentQueryResult> {
    const method = 'alipay.trade.query';
    const answer = await this.call(method, { out_trade_no: checkedOrderNo(orderNo) });
    if (answer.code !== '10000') {
      if (answer.sub_code === 'ACQ.TRADE_NOT_EXIST')
        return { status: 'not-found', providerStatus: 'ACQ.TRADE_NOT_EXIST' };
      throw refused(method, answer);
    }
    const tradeStatus = typeof answer.trade_status === 'string' ? answer.trade_status : '';
    if (answer.out_trade_no !== orderNo) {
      throw new ProviderError('PROVIDER_ANSWER_INVALID', `Alipay ${method} answer names another out_trade_no`);
    }
    switch (tradeStatus) {
      case 'TRADE_SUCCESS':
      case 'TRADE_FINISHED':
        return paidResult(method, answer, tradeStatus);
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
    const answer = await this.call(method, { out_trade_no: checkedOrderNo(orderNo) });
    if (answer.code === '10000') return;
    if (answer.sub_code === 'ACQ.TRADE_NOT_EXIST' || answer.sub_code === 'ACQ.TRADE_HAS_CLOSE') return;
    if (answer.sub_code !== 'ACQ.TRADE_STATUS_ERROR') throw refused(method, answer);
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
    throw refused(method, answer);
  }

  /**
   * alipay.trade.refund of one payment, named by its trade_no (so a duplicate payment is refunded, never the one
   * that paid the order), with out_request_no = our refund key: Alipay refunds once per key. fund_change "Y" is a
   * refund done now; "N" is a repeat (or money not moved yet), settled by alipay.trade.fastpay.refund.query.
   * Alipay's business refusals (amount too high, trade not refundable) fail the refund; ACQ.SYSTEM_ERROR and
   * transport failures throw, for a retry with the same key.
   */
  async refundPayment(request: RefundRequest): Promise<RefundResult> {
    const method = 'alipay.trade.refund';
    const answer = await this.call(method, {
      trade_no: checkedKey(request.providerTransactionId, 'trade_no'),
      out_request_no: checkedKey(request.refundNo, 'out_request_no'),
      refund_amount: toAlipayAmount(request.amount),
      refund_reason: request.reason.slice(0, 256),
    });
    if (answer.code !== '10000') return refusal(method, answer);
    if (answer.trade_no !== request.providerTransactionId) {
      throw new ProviderError('PROVIDER_ANSWER_INVALID', `Alipay ${method} answer names another trade_no`);
    }
    if (answer.fund_change === 'Y') return { status: 'succeeded', providerStatus: 'fund_change=Y' };
    const confirmed = await this.queryRefund(request);
    return confirmed.status === 'not-found' ? { status: 'pending', providerStatus: 'fund_change=N' } : confirmed;
  }

  /**
   * alipay.trade.fastpay.refund.query by trade_no and out_request_no: REFUND_SUCCESS (or, from older answers, a
   * refund_amount without a status) is succeeded; an answer without the refund is not-found (never received).
   */
  async queryRefund(request: RefundRequest): Promise<RefundResult> {
    const method = 'alipay.trade.fastpay.refund.query';
    const answer = await this.call(method, {
      trade_no: checkedKey(request.providerTransactionId, 'trade_no'),
      out_request_no: checkedKey(request.refundNo, 'out_request_no'),
    });
    if (answer.code !== '10000') {
      if (answer.sub_code === 'ACQ.TRADE_NOT_EXIST')
        return { status: 'not-found', providerStatus: 'ACQ.TRADE_NOT_EXIST' };
      return refusal(method, answer);
    }
    const status = typeof answer.refund_status === 'string' ? answer.refund_status : undefined;
    if (answer.refund_amount === undefined && status === undefined) {
      return { status: 'not-found', providerStatus: 'no refund' };
    }
    if (answer.out_request_no !== undefined && answer.out_request_no !== request.refundNo) {
      throw new ProviderError('PROVIDER_ANSWER_INVALID', `Alipay ${method} answer names another out_request_no`);
    }
    if (
      typeof answer.refund_amount === 'string' &&
      fromAlipayAmount(answer.refund_amount).amount !== request.amount.amount
    ) {
      throw new ProviderError('PROVIDER_ANSWER_INVALID', `Alipay ${method} answer has another refund_amount`);
    }
    if (status === undefined || status === 'REFUND_SUCCESS') {
      return { status: 'succeeded', providerStatus: status ?? 'refund_amount' };
    }
    return { status: 'pending', providerStatus: status };
  }

  private commonParams(
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
    params.sign = signAlipayRequest(params, this.privateKey);
    return params;
  }

  private pagePayUrl(request: CreatePaymentRequest, biz: Record<string, string>): string {
    const url = new URL(this.config.gatewayUrl);
    const params = this.commonParams('alipay.trade.page.pay', request.notifyUrl, biz);
    for (const [key, value] of Object.entries(params)) {
      url.searchParams.set(key, value);
    }
    return url.toString();
  }

  private async precreate(request: CreatePaymentRequest, biz: Record<string, string>): Promise<string> {
    const method = 'alipay.trade.precreate';
    const answer = await this.call(method, biz, request.notifyUrl);
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
    method: string,
    biz: Record<string, string>,
    notifyUrl?: string,
  ): Promise<Readonly<Record<string, unknown>>> {
    const params = this.commonParams(method, notifyUrl, biz);
    const url = new URL(this.config.gatewayUrl);
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
}

/**
 * timeout_express for a trade that must be paid by `expiresAt`: the minutes left, rounded up ("25m"). Relative
 * rather than time_expire, as this integration has always sent it; a deadline a whole number of minutes after the
 * caller's clock reads back as exactly that number, however long the call took to get here.
 */
function alipayTimeoutExpress(expiresAt: Date, now: Date): string {
  const remainingMs = expiresAt.getTime() - now.getTime();
  // NaN (an invalid Date) fails this test too.
  if (!(remainingMs > 0)) {
    throw new ProviderError(
      'PROVIDER_REQUEST_INVALID',
      'expiresAt must be a valid time in the future (Alipay timeout_express)',
      HttpStatus.BAD_REQUEST,
    );
  }
  return `${Math.ceil(remainingMs / 60_000)}m`;
}

/** What Alipay's refusal of a refund means: a retry for its own failures, a failed refund for the rest. */
function refusal(method: string, answer: Readonly<Record<string, unknown>>): RefundResult {
  const subCode = typeof answer.sub_code === 'string' ? answer.sub_code : String(answer.code);
  if (answer.code === '20000' || subCode === 'ACQ.SYSTEM_ERROR' || subCode === 'aop.ACQ.SYSTEM_ERROR') {
    throw new ProviderError('PROVIDER_UNAVAILABLE', `Alipay ${method} failed on Alipay's side (${subCode}); retry`);
  }
  const subMsg = typeof answer.sub_msg === 'string' ? `: ${answer.sub_msg}` : '';
  return { status: 'failed', providerStatus: subCode, failureReason: `${subCode}${subMsg}`.slice(0, 200) };
}

/** An Alipay key (trade_no, out_request_no): 1 to 64 letters, digits or underscores. */
function checkedKey(value: string, name: 'trade_no' | 'out_request_no'): string {
  if (!/^[0-9A-Za-z_]{1,64}$/.test(value)) {
    throw new ProviderError(
      'PROVIDER_REQUEST_INVALID',
      `an Alipay ${name} is 1 to 64 letters, digits or underscores`,
      HttpStatus.BAD_REQUEST,
    );
  }
  return value;
}

function checkedOrderNo(orderNo: string): string {
  if (!OUT_TRADE_NO.test(orderNo)) {
    throw new ProviderError(
      'PROVIDER_REQUEST_INVALID',
      'orderNo must be 1 to 64 letters, digits or underscores (Alipay out_trade_no)',
      HttpStatus.BAD_REQUEST,
    );
  }
  return orderNo;
}

function paidResult(
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

function refused(method: string, answer: Readonly<Record<string, unknown>>): ProviderError {
  return new ProviderError('PROVIDER_REJECTED', `Alipay ${method} was refused`, HttpStatus.BAD_GATEWAY, {
    code: answer.code,
    subCode: answer.sub_code,
    subMsg: answer.sub_msg,
  });
}
