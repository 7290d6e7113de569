import type { KeyObject } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { type Money, fromUnionPayAmount, toUnionPayAmount, unionPayCurrencyCode } from '@shop/money';
import { parsePrivateKey } from '../keys';
import { type NotificationRejectReason, NotificationRejectedError } from '../notification-rejected.error';
import type {
  CreatePaymentRequest,
  CreatePaymentResult,
  NotificationInput,
  PaymentQueryResult,
  PaymentProvider,
  ProviderHttpResponse,
  ProviderPaymentReference,
  VerifiedNotification,
} from '../provider';
import { ProviderError } from '../provider-error';
import type { UnionPayConfig, UnionPayVerifyOnlyConfig } from './unionpay.config';
import { type UnionPayCertRejectReason, UnionPayCertVerifier, UnionPayTrustConfigError } from './unionpay-certs';
import { parseUnionPayAnswer, signUnionPayFields, verifyUnionPayFields } from './unionpay-signer';
import { formatUnionPayTime, parseUnionPayTime, parseUnionPayTraceTime } from './unionpay-time';

/**
 * The reasons a UnionPay notification is refused. The CERT_* and FOREIGN_MER_ID values are not yet members of
 * NotificationRejectReason (notification-rejected.error.ts); until they are, they are cast when thrown.
 */
export type UnionPayRejectReason = NotificationRejectReason | UnionPayCertRejectReason | 'FOREIGN_MER_ID';

const PROVIDER = 'unionpay';
const VERSION = '5.1.0';
const ENCODING = 'UTF-8';
const SIGN_METHOD = '01';
const BIZ_TYPE = '000201';
const ORDER_ID = /^[A-Za-z0-9]{8,40}$/;
const DIGITS = /^\d+$/;
const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
const DEFAULT_PAY_TIMEOUT_MS = 15 * 60 * 1000;
const RELATIVE_TIMEOUT = /^(\d{1,4})([mhd])$/;
const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const MAX_REQ_RESERVED = 1024;
/** origRespCode values of a successful consume: 00, and A6 (success with some fields missing). */
const SUCCESS_CODES = new Set(['00', 'A6']);
/** origRespCode values of a consume still being processed. */
const PROCESSING_CODES = new Set(['03', '04', '05']);
const NOT_FOUND = '34';
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

/** What signing requests needs; absent in a verify-only adapter. */
interface Signing {
  readonly key: KeyObject;
  /** The decimal serial of our signing certificate, sent as certId. */
  readonly certId: string;
  readonly gatewayUrl: string;
}

const configError = (message: string): ProviderError =>
  new ProviderError('PROVIDER_CONFIG_INVALID', message, HttpStatus.INTERNAL_SERVER_ERROR);
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
 * UnionPay online gateway (ACP 5.1.0, signMethod 01) as a PaymentProvider, method 'page': createPayment returns a
 * signed form the browser posts to frontTransReq.do; the result arrives as a back notification to backUrl, and
 * queryPayment asks queryTrans.do. Built from a UnionPayVerifyOnlyConfig (no signing key) it only verifies
 * notifications.
 */
export class UnionPayAdapter implements PaymentProvider {
  readonly name = PROVIDER;
  // Undefined for a verify-only adapter: a service that only receives notifications should not hold the signing key.
  private readonly signing: Signing | undefined;
  private readonly certs: UnionPayCertVerifier;
  private readonly now: () => Date;
  private readonly timeoutMs: number;

  constructor(private readonly config: UnionPayConfig | UnionPayVerifyOnlyConfig) {
    // Parsed once at start, so a broken key or certificate fails the service at boot, not at the first payment.
    const signKey =
      config.signPrivateKey === undefined
        ? undefined
        : parsePrivateKey(config.signPrivateKey, 'UnionPay signing private key');
    const required =
      signKey === undefined
        ? (['merId', 'rootCert', 'middleCert'] as const)
        : (['merId', 'signCertId', 'gatewayUrl', 'rootCert', 'middleCert'] as const);
    for (const field of required) {
      const value = config[field];
      if (typeof value !== 'string' || value.trim() === '') {
        throw configError(`UnionPay ${field} is required`);
      }
    }
    if (signKey !== undefined) {
      const signCertId = config.signCertId ?? '';
      const gatewayUrl = config.gatewayUrl ?? '';
      if (!DIGITS.test(signCertId)) throw configError('UnionPay signCertId must be the decimal certificate serial');
      if (!/^https?:\/\//.test(gatewayUrl)) throw configError('UnionPay gatewayUrl must be an http(s) URL');
      this.signing = { key: signKey, certId: signCertId, gatewayUrl: gatewayUrl.replace(/\/+$/, '') };
    }
    if (config.frontUrl !== undefined && !httpUrlWithoutQuery(config.frontUrl)) {
      throw configError('UnionPay frontUrl must be an http(s) URL without query string');
    }
    try {
      this.certs = new UnionPayCertVerifier(config.rootCert, config.middleCert, config.expectedCnName);
    } catch (error) {
      if (error instanceof UnionPayTrustConfigError) throw configError(error.message);
      throw error;
    }
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

  private consumeForm(request: CreatePaymentRequest): CreatePaymentResult {
    const signing = this.requireSigning();
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
      ...this.commonFields(signing, '01', '01'),
      channelType: this.config.channelType ?? '07',
      orderId: request.orderNo,
      txnTime: formatUnionPayTime(now),
      txnAmt,
      currencyCode,
      backUrl: request.notifyUrl,
      payTimeout: this.payTimeout(now, request.timeoutExpress),
      // Echoed back in the notification and query answers; the title makes those readable in audit logs.
      reqReserved: request.subject,
    };
    if (this.config.frontUrl !== undefined) fields.frontUrl = this.config.frontUrl;
    fields.signature = signUnionPayFields(fields, signing.key);
    return { kind: 'form', action: `${signing.gatewayUrl}/frontTransReq.do`, fields: Object.freeze(fields) };
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
    const signing = this.requireSigning();
    const txnTime =
      reference !== undefined && 'txnTime' in reference ? reference.txnTime : reference?.providerReference;
    if (txnTime === undefined) throw requestError('UnionPay needs the txnTime of the payment to query it');
    const time = typeof txnTime === 'string' ? txnTime : formatUnionPayTime(txnTime);
    if (!ORDER_ID.test(orderNo)) throw requestError('orderNo must be 8 to 40 letters or digits (UnionPay orderId)');
    if (parseUnionPayTime(time) === undefined) throw requestError('txnTime must be yyyyMMddHHmmss (China time)');
    const fields: Record<string, string> = {
      ...this.commonFields(signing, '00', '00'),
      orderId: orderNo,
      txnTime: time,
    };
    fields.signature = signUnionPayFields(fields, signing.key);
    const answer = await this.post(signing, 'queryTrans.do', fields);
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
    if (!SUCCESS_CODES.has(orig)) return { status: 'failed', providerStatus: orig };
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
      paidAt: paidAt(time, answer.traceTime),
      providerStatus: orig,
    };
  }

  // No closePayment: UnionPay has no close call for a web consume, which stays payable until its payTimeout. An
  // attempt of a cancelled order is left open for the active query, which asks until the answer is final (paid, or
  // not found once payTimeout has passed). A paid consume is undone by a refund (txnType 04).

  /**
   * Verifies a back notification: form body decoded once; signPubKeyCert chains to the configured middle and root,
   * is valid now and names UnionPay in its CN; the double-hash signature covers every field but signature
   * (signPubKeyCert included); then merId must be ours.
   */
  verifyNotification(input: NotificationInput): VerifiedNotification {
    const mediaType = (input.contentType ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType !== FORM_CONTENT_TYPE) {
      throw this.reject('UNSUPPORTED_CONTENT_TYPE', `UnionPay notifications are ${FORM_CONTENT_TYPE}`);
    }
    const fields = this.parseForm(input.rawBody);
    for (const name of REQUIRED_NOTIFICATION_FIELDS) {
      if (!fields[name]) throw this.reject('MALFORMED', `UnionPay notification lacks ${name}`);
    }
    if (fields.signMethod !== SIGN_METHOD || (fields.version !== undefined && fields.version !== VERSION)) {
      throw this.reject('UNSUPPORTED_SIGN_TYPE', 'UnionPay notifications must be version 5.1.0, signMethod 01');
    }
    if (fields.encoding !== undefined && fields.encoding.toUpperCase() !== ENCODING) {
      // The form was decoded as UTF-8; any other encoding would verify garbage.
      throw this.reject('MALFORMED', 'UnionPay notification encoding must be UTF-8');
    }
    const verdict = this.certs.verify(fields.signPubKeyCert, this.now());
    if (!verdict.ok) throw this.reject(verdict.reason, `UnionPay notification ${verdict.message}`);
    if (!verifyUnionPayFields(fields, verdict.publicKey)) {
      throw this.reject('BAD_SIGNATURE', 'UnionPay notification signature does not verify with signPubKeyCert');
    }
    // Only after the signature: a forged notification learns nothing about which ids we accept.
    if (fields.merId !== this.config.merId)
      throw this.reject('FOREIGN_MER_ID', 'UnionPay notification merId is not ours');
    let amount: Money;
    try {
      amount = fromUnionPayAmount(fields.txnAmt, fields.currencyCode ?? '156');
    } catch {
      throw this.reject('MALFORMED', 'UnionPay notification txnAmt/currencyCode is not a CNY fen amount');
    }
    if (parseUnionPayTime(fields.txnTime) === undefined) {
      throw this.reject('MALFORMED', 'UnionPay notification txnTime is not yyyyMMddHHmmss');
    }
    // Only our consume (txnType 01/01 of the gateway payment business) is a payment. A refund (04), a cancellation
    // (31) or anything else notifies with respCode 00 too and must never read as money received.
    const consume = fields.txnType === '01' && fields.txnSubType === '01' && fields.bizType === BIZ_TYPE;
    const succeeded = consume && SUCCESS_CODES.has(fields.respCode);
    return {
      provider: PROVIDER,
      notificationKey: fields.queryId,
      kind: succeeded ? 'payment-succeeded' : 'other',
      orderNo: fields.orderId,
      providerTransactionId: fields.queryId,
      amount,
      paidAt: succeeded ? paidAt(fields.txnTime, fields.traceTime) : undefined,
      tradeStatus: fields.respCode,
      fields: Object.freeze(fields),
    };
  }

  /** UnionPay stops retrying on HTTP 200 (within 10 s); the body is not read, "ok" by convention. */
  ackResponse(): ProviderHttpResponse {
    return { status: 200, contentType: 'text/plain; charset=utf-8', body: 'ok' };
  }

  /** Any non-200 makes UnionPay retry (5 sends at 0, 1, 2, 4 minutes): 400 for a refusal, 500 for our own fault. */
  rejectResponse(reason: UnionPayRejectReason | 'INTERNAL_ERROR'): ProviderHttpResponse {
    return { status: reason === 'INTERNAL_ERROR' ? 500 : 400, contentType: 'text/plain; charset=utf-8', body: 'fail' };
  }

  private requireSigning(): Signing {
    if (this.signing === undefined) {
      throw configError('This UnionPay adapter is verify-only: it has no signing key to sign requests');
    }
    return this.signing;
  }

  private commonFields(signing: Signing, txnType: string, txnSubType: string): Record<string, string> {
    return {
      version: VERSION,
      encoding: ENCODING,
      signMethod: SIGN_METHOD,
      txnType,
      txnSubType,
      bizType: BIZ_TYPE,
      accessType: '0',
      merId: this.config.merId,
      certId: signing.certId,
    };
  }

  /** payTimeout is an absolute China time; accepts it as is (yyyyMMddHHmmss) or relative ("15m", "2h", "1d"). */
  private payTimeout(now: Date, timeoutExpress: string | undefined): string {
    if (timeoutExpress === undefined) return formatUnionPayTime(new Date(now.getTime() + DEFAULT_PAY_TIMEOUT_MS));
    const deadline = parseUnionPayTime(timeoutExpress);
    if (deadline !== undefined) {
      if (deadline.getTime() <= now.getTime()) throw requestError('timeoutExpress (payTimeout) is in the past');
      return timeoutExpress;
    }
    const relative = RELATIVE_TIMEOUT.exec(timeoutExpress);
    if (relative === null || Number(relative[1]) === 0) {
      throw requestError('timeoutExpress must be yyyyMMddHHmmss (China time) or like "15m", "2h", "1d"');
    }
    const unit = relative[2] as keyof typeof UNIT_MS;
    return formatUnionPayTime(new Date(now.getTime() + Number(relative[1]) * UNIT_MS[unit]));
  }

  private async post(signing: Signing, path: string, fields: Record<string, string>): Promise<Record<string, string>> {
    let response: Response;
    let text: string;
    try {
      response = await fetch(`${signing.gatewayUrl}/${path}`, {
        method: 'POST',
        headers: { 'content-type': `${FORM_CONTENT_TYPE};charset=UTF-8` },
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

  private parseForm(rawBody: string): Record<string, string> {
    // Decoded exactly once: decoding again would turn a literal "%" or "+" into something UnionPay never signed.
    const fields: Record<string, string> = Object.create(null) as Record<string, string>;
    for (const [key, value] of new URLSearchParams(rawBody)) {
      if (Object.hasOwn(fields, key)) throw this.reject('MALFORMED', `UnionPay notification repeats ${key}`);
      fields[key] = value;
    }
    return { ...fields };
  }

  private reject(reason: UnionPayRejectReason, message: string): NotificationRejectedError {
    // Cast until NotificationRejectReason gains CERT_UNTRUSTED, CERT_EXPIRED, CERT_WRONG_CN and FOREIGN_MER_ID.
    return new NotificationRejectedError(PROVIDER, reason, message);
  }
}

/** When the buyer paid: traceTime (MMddHHmmss) placed in the year of txnTime, else txnTime itself. */
function paidAt(txnTime: string, traceTime: string | undefined): Date | undefined {
  const ordered = parseUnionPayTime(txnTime);
  if (ordered === undefined) return undefined;
  return (traceTime === undefined ? undefined : parseUnionPayTraceTime(traceTime, ordered)) ?? ordered;
}
