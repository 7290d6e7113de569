import type { KeyObject } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { type Money, fromUnionPayAmount, toUnionPayAmount, unionPayCurrencyCode } from '@shop/money';
import { parsePrivateKey } from '../keys';
import type {
  CreatePaymentRequest,
  CreatePaymentResult,
  PaymentQueryResult,
  ProviderClient,
  ProviderPaymentReference,
} from '../provider-client';
import { ProviderError } from '../provider-error';
import type { RefundRequest, RefundResult } from '../refund';
import type { UnionPayClientConfig } from './unionpay.config';
import type { UnionPayCertVerifier } from './unionpay-certs';
import {
  UNIONPAY_BIZ_TYPE,
  UNIONPAY_ENCODING,
  UNIONPAY_FORM_CONTENT_TYPE,
  UNIONPAY_SIGN_METHOD,
  UNIONPAY_SUCCESS_CODES,
  UNIONPAY_VERSION,
  unionPayConfigError,
  unionPayPaidAt,
  unionPayTrust,
} from './unionpay-protocol';
import { parseUnionPayAnswer, signUnionPayFields, verifyUnionPayFields } from './unionpay-signer';
import { formatUnionPayTime, parseUnionPayTime } from './unionpay-time';

const ORDER_ID = /^[A-Za-z0-9]{8,40}$/;
const DIGITS = /^\d+$/;
const DEFAULT_PAY_TIMEOUT_MS = 15 * 60 * 1000;
const MAX_REQ_RESERVED = 1024;
/** origRespCode values of a consume still being processed. */
const PROCESSING_CODES = new Set(['03', '04', '05']);
const NOT_FOUND = '34';

const requestError = (message: string): ProviderError =>
  new ProviderError('PROVIDER_REQUEST_INVALID', message, HttpStatus.BAD_REQUEST);

function httpUrlWithoutQuery(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'https:' || url.protocol === 'http:') && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}

/**
 * UnionPay online gateway (ACP 5.1.0, signMethod 01) as a ProviderClient, method 'page': createPayment returns a
 * signed form the browser posts to frontTransReq.do; the result arrives as a back notification to backUrl, and
 * queryPayment asks queryTrans.do. There is no closePayment: UnionPay has no close call for a web consume.
 */
export class UnionPayClient implements ProviderClient {
  readonly name = 'unionpay';
  private readonly signKey: KeyObject;
  /** The decimal serial of our signing certificate, sent as certId. */
  private readonly certId: string;
  private readonly gatewayUrl: string;
  private readonly certs: UnionPayCertVerifier;
  private readonly now: () => Date;
  private readonly timeoutMs: number;

  constructor(private readonly config: UnionPayClientConfig) {
    // Parsed once at start, so a broken key or certificate fails the service at boot, not at the first payment.
    this.signKey = parsePrivateKey(config.signPrivateKey, 'UnionPay signing private key');
    for (const field of ['merId', 'signCertId', 'gatewayUrl'] as const) {
      const value = config[field];
      if (typeof value !== 'string' || value.trim() === '') throw unionPayConfigError(`UnionPay ${field} is required`);
    }
    if (!DIGITS.test(config.signCertId))
      throw unionPayConfigError('UnionPay signCertId must be the decimal certificate serial');
    if (!/^https?:\/\//.test(config.gatewayUrl))
      throw unionPayConfigError('UnionPay gatewayUrl must be an http(s) URL');
    if (config.frontUrl !== undefined && !httpUrlWithoutQuery(config.frontUrl)) {
      throw unionPayConfigError('UnionPay frontUrl must be an http(s) URL without query string');
    }
    // Answers to our queries are signed like notifications: the same trust anchors check them.
    this.certs = unionPayTrust(config);
    this.certId = config.signCertId;
    this.gatewayUrl = config.gatewayUrl.replace(/\/+$/, '');
    this.now = config.now ?? (() => new Date());
    this.timeoutMs = config.timeoutMs ?? 10_000;
  }

  /** The signed consume form: the browser POSTs `fields` to `action` (frontTransReq.do). No network call. */
  createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult> {
    try {
      return Promise.resolve(this.consumeForm(request));
    } catch (error) {
      return Promise.reject(error instanceof Error ? error : new Error(String(error)));
    }
  }

  /**
   * Asks queryTrans.do about a consume. UnionPay identifies it by orderId AND txnTime: pass the txnTime of the
   * form createPayment returned (a Date is formatted in China time). respCode 00 only means the query worked; the
   * payment's own result is origRespCode.
   */
  async queryPayment(
    orderNo: string,
    reference?: ProviderPaymentReference | { txnTime: string | Date },
  ): Promise<PaymentQueryResult> {
    const txnTime =
      reference !== undefined && 'txnTime' in reference ? reference.txnTime : reference?.providerReference;
    if (txnTime === undefined) throw requestError('UnionPay needs the txnTime of the payment to query it');
    const time = typeof txnTime === 'string' ? txnTime : formatUnionPayTime(txnTime);
    if (!ORDER_ID.test(orderNo)) throw requestError('orderNo must be 8 to 40 letters or digits (UnionPay orderId)');
    if (parseUnionPayTime(time) === undefined) throw requestError('txnTime must be yyyyMMddHHmmss (China time)');
    const fields: Record<string, string> = {
      ...this.commonFields('00', '00'),
      orderId: orderNo,
      txnTime: time,
    };
    fields.signature = signUnionPayFields(fields, this.signKey);
    const answer = await this.post('queryTrans.do', fields);
    if (answer.merId !== this.config.merId || (answer.orderId !== undefined && answer.orderId !== orderNo)) {
      throw new ProviderError('PROVIDER_ANSWER_INVALID', 'UnionPay query answer names another merId or orderId');
    }
    if (answer.respCode === NOT_FOUND) return { status: 'not-found', providerStatus: NOT_FOUND };
    if (answer.respCode !== '00') {
      throw new ProviderError('PROVIDER_REJECTED', 'UnionPay refused the query', HttpStatus.BAD_GATEWAY, {
        respCode: answer.respCode,
        respMsg: answer.respMsg,
      });
    }
    const orig = answer.origRespCode ?? '';
    if (PROCESSING_CODES.has(orig)) return { status: 'pending', providerStatus: orig };
    if (!UNIONPAY_SUCCESS_CODES.has(orig)) return { status: 'failed', providerStatus: orig };
    if (!answer.queryId) throw new ProviderError('PROVIDER_ANSWER_INVALID', 'UnionPay paid query answer lacks queryId');
    let amount: Money;
    try {
      amount = fromUnionPayAmount(answer.txnAmt ?? '', answer.currencyCode ?? '156');
    } catch {
      throw new ProviderError('PROVIDER_ANSWER_INVALID', 'UnionPay query answer txnAmt is not a fen amount');
    }
    return {
      status: 'paid',
      providerTransactionId: answer.queryId,
      amount,
      paidAt: unionPayPaidAt(time, answer.traceTime),
      providerStatus: orig,
    };
  }

  /**
   * backTransReq.do txnType 04 (refund of a consume): origQryId names the payment, orderId is our refund key and
   * txnTime the refund's creation time, the same pair on every retry (UnionPay identifies a transaction by both).
   * respCode 00 only accepts it: the result comes by the back notification or by queryRefund. A refusal fails the
   * refund; transport failures throw for a retry.
   */
  async refundPayment(request: RefundRequest): Promise<RefundResult> {
    if (!ORDER_ID.test(request.refundNo))
      throw requestError('refundNo must be 8 to 40 letters or digits (UnionPay orderId)');
    if (!httpUrlWithoutQuery(request.notifyUrl)) {
      throw requestError('notifyUrl must be an http(s) URL without query string (UnionPay backUrl)');
    }
    let txnAmt: string;
    let currencyCode: string;
    try {
      txnAmt = toUnionPayAmount(request.amount);
      currencyCode = unionPayCurrencyCode(request.amount.currency);
    } catch (error) {
      throw requestError(error instanceof Error ? error.message : 'amount is not refundable through UnionPay');
    }
    const fields: Record<string, string> = {
      ...this.commonFields('04', '00'),
      channelType: this.config.channelType ?? '07',
      orderId: request.refundNo,
      txnTime: formatUnionPayTime(request.requestedAt),
      txnAmt,
      currencyCode,
      origQryId: request.providerTransactionId,
      backUrl: request.notifyUrl,
    };
    fields.signature = signUnionPayFields(fields, this.signKey);
    const answer = await this.post('backTransReq.do', fields);
    if (answer.merId !== this.config.merId || (answer.orderId !== undefined && answer.orderId !== request.refundNo)) {
      throw new ProviderError('PROVIDER_ANSWER_INVALID', 'UnionPay refund answer names another merId or orderId');
    }
    const code = answer.respCode ?? '';
    if (code === '00' || PROCESSING_CODES.has(code)) {
      return { status: 'pending', providerRefundId: answer.queryId, providerStatus: code };
    }
    return {
      status: 'failed',
      providerStatus: code,
      failureReason: `${code}: ${answer.respMsg ?? 'refused'}`.slice(0, 200),
    };
  }

  /** queryTrans.do of the refund (its orderId and txnTime): origRespCode 00/A6 succeeded, 03/04/05 pending. */
  async queryRefund(request: RefundRequest): Promise<RefundResult> {
    const state = await this.queryPayment(request.refundNo, { txnTime: request.requestedAt });
    switch (state.status) {
      case 'paid':
        return {
          status: 'succeeded',
          providerRefundId: state.providerTransactionId,
          providerStatus: state.providerStatus,
        };
      case 'pending':
        return { status: 'pending', providerStatus: state.providerStatus };
      case 'not-found':
        return { status: 'not-found', providerStatus: state.providerStatus };
      case 'closed':
      case 'failed':
        return { status: 'failed', providerStatus: state.providerStatus, failureReason: state.providerStatus };
    }
  }

  // No closePayment: UnionPay has no close call for a web consume, which stays payable until its payTimeout. An
  // attempt of a cancelled order is left open for the active query, which asks until the answer is final (paid, or
  // not found once payTimeout has passed). A paid consume is undone by a refund (txnType 04).

  private consumeForm(request: CreatePaymentRequest): CreatePaymentResult {
    if (request.method !== 'page') {
      throw new ProviderError(
        'PROVIDER_METHOD_UNSUPPORTED',
        `UnionPay supports method page, not ${request.method}`,
        HttpStatus.BAD_REQUEST,
      );
    }
    if (!ORDER_ID.test(request.orderNo)) {
      throw requestError('orderNo must be 8 to 40 letters or digits (UnionPay orderId: no "-" or "_")');
    }
    if (!httpUrlWithoutQuery(request.notifyUrl)) {
      throw requestError('notifyUrl must be an http(s) URL without query string (UnionPay backUrl)');
    }
    if (request.subject.trim() === '' || request.subject.length > MAX_REQ_RESERVED) {
      throw requestError(`subject must be 1 to ${MAX_REQ_RESERVED} characters (sent as reqReserved)`);
    }
    let txnAmt: string;
    let currencyCode: string;
    try {
      txnAmt = toUnionPayAmount(request.amount);
      currencyCode = unionPayCurrencyCode(request.amount.currency);
    } catch (error) {
      throw requestError(error instanceof Error ? error.message : 'amount is not payable through UnionPay');
    }
    const now = this.now();
    const fields: Record<string, string> = {
      ...this.commonFields('01', '01'),
      channelType: this.config.channelType ?? '07',
      orderId: request.orderNo,
      txnTime: formatUnionPayTime(now),
      txnAmt,
      currencyCode,
      backUrl: request.notifyUrl,
      payTimeout: payTimeout(now, request.expiresAt),
      // Echoed back in the notification and query answers; the title makes those readable in audit logs.
      reqReserved: request.subject,
    };
    if (this.config.frontUrl !== undefined) fields.frontUrl = this.config.frontUrl;
    fields.signature = signUnionPayFields(fields, this.signKey);
    return { kind: 'form', action: `${this.gatewayUrl}/frontTransReq.do`, fields: Object.freeze(fields) };
  }

  private commonFields(txnType: string, txnSubType: string): Record<string, string> {
    return {
      version: UNIONPAY_VERSION,
      encoding: UNIONPAY_ENCODING,
      signMethod: UNIONPAY_SIGN_METHOD,
      txnType,
      txnSubType,
      bizType: UNIONPAY_BIZ_TYPE,
      accessType: '0',
      merId: this.config.merId,
      certId: this.certId,
    };
  }

  private async post(path: string, fields: Record<string, string>): Promise<Record<string, string>> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${this.gatewayUrl}/${path}`, {
        method: 'POST',
        headers: { 'content-type': `${UNIONPAY_FORM_CONTENT_TYPE};charset=UTF-8` },
        body: new URLSearchParams(fields).toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await response.text();
    } catch (error) {
      // Duck-typed: fetch rejects with a DOMException that is not an Error of every realm (Jest's vm, workers).
      const name = typeof error === 'object' && error !== null && 'name' in error ? error.name : undefined;
      if (name === 'TimeoutError' || name === 'AbortError') {
        throw new ProviderError(
          'PROVIDER_TIMEOUT',
          `UnionPay ${path} did not answer within ${this.timeoutMs} ms`,
          HttpStatus.GATEWAY_TIMEOUT,
        );
      }
      throw new ProviderError('PROVIDER_UNAVAILABLE', `UnionPay ${path} could not be reached`, HttpStatus.BAD_GATEWAY);
    }
    if (response.status !== 200) {
      throw new ProviderError('PROVIDER_UNAVAILABLE', `UnionPay ${path} answered HTTP ${response.status}`);
    }
    let answer: Record<string, string>;
    try {
      answer = parseUnionPayAnswer(text.trim());
    } catch {
      throw new ProviderError('PROVIDER_ANSWER_INVALID', `UnionPay ${path} answer is not a k=v&k=v form`);
    }
    if (!answer.signPubKeyCert || !answer.signature) {
      throw new ProviderError('PROVIDER_ANSWER_SIGNATURE_INVALID', `UnionPay ${path} answer is not signed`, undefined, {
        respCode: answer.respCode,
      });
    }
    const verdict = this.certs.verify(answer.signPubKeyCert, this.now());
    if (!verdict.ok || !verifyUnionPayFields(answer, verdict.publicKey)) {
      throw new ProviderError(
        'PROVIDER_ANSWER_SIGNATURE_INVALID',
        `UnionPay ${path} answer fails verification: ${verdict.ok ? 'bad signature' : verdict.message}`,
        undefined,
        { reason: verdict.ok ? 'BAD_SIGNATURE' : verdict.reason },
      );
    }
    return answer;
  }
}

/**
 * payTimeout, an absolute China time (yyyyMMddHHmmss): the deadline as given, or 15 minutes from `now`. A deadline
 * already passed is refused before anything is signed.
 */
function payTimeout(now: Date, expiresAt: Date | undefined): string {
  if (expiresAt === undefined) return formatUnionPayTime(new Date(now.getTime() + DEFAULT_PAY_TIMEOUT_MS));
  if (Number.isNaN(expiresAt.getTime())) throw requestError('expiresAt must be a valid time (UnionPay payTimeout)');
  if (expiresAt.getTime() <= now.getTime()) throw requestError('expiresAt (payTimeout) is in the past');
  return formatUnionPayTime(expiresAt);
}
