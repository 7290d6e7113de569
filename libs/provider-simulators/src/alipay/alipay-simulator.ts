import { randomBytes, randomInt, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimulatorHttp } from '../http-server';
import { ALIPAY_AMOUNT_RANGE, fromAlipayAmount } from '@shop/money';
import { SimulatorError } from '../simulator-error';
import { loadPrivateKey, loadPublicKey, rsa2, rsa2Check, signingText } from './alipay-signature';

/** How to run a fake Alipay gateway for one merchant application. */
export interface AlipaySimulatorOptions {
  readonly appId: string;
  readonly sellerId: string;
  /** The merchant's application public key (PEM or raw base64 SPKI): verifies our requests. */
  readonly appPublicKey: string | KeyObject;
  /** "Alipay's" private key: signs answers and notifications. */
  readonly alipayPrivateKey: string | KeyObject;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** The simulator's clock, for timestamps and the request timestamp window. */
  readonly now?: () => Date;
  /** How far a request timestamp may be from the simulator's clock (default 15 minutes, as Alipay). */
  readonly maxClockSkewMs?: number;
}

/** Alipay's trade states. */
export type AlipayTradeStatus = 'WAIT_BUYER_PAY' | 'TRADE_SUCCESS' | 'TRADE_FINISHED' | 'TRADE_CLOSED';

/** A trade the simulator knows, as the control API lists it. */
export interface AlipaySimulatedTrade {
  readonly outTradeNo: string;
  readonly tradeNo: string;
  readonly method: 'alipay.trade.precreate' | 'alipay.trade.page.pay';
  readonly totalAmount: string;
  readonly subject: string;
  readonly notifyUrl: string | undefined;
  readonly qrCode: string | undefined;
  status: AlipayTradeStatus;
  readonly gmtCreate: string;
  gmtPayment: string | undefined;
  notifyId: string | undefined;
  readonly buyerId: string;
  /** Refunds of this trade, oldest first (alipay.trade.refund; one per out_request_no). */
  refunds: AlipaySimulatedRefund[];
}

/** One refund of a trade, as the control API lists it. */
export interface AlipaySimulatedRefund {
  readonly outRequestNo: string;
  /** Yuan, as requested. */
  readonly refundAmount: string;
  readonly refundReason: string | undefined;
  readonly gmtRefund: string;
}

/** What `pay` does; every field is optional and the defaults send one honest TRADE_SUCCESS notification. */
export interface AlipayPayOptions {
  /** Sequential deliveries of the same notification (a retry keeps notify_id). Default 1. */
  readonly times?: number;
  /** Parallel deliveries per round. Default 1. */
  readonly concurrent?: number;
  /** A different total_amount (and receipt/buyer_pay amount), validly signed. */
  readonly amount?: string;
  /** Fields changed AFTER signing: the signature no longer matches. */
  readonly tamper?: Readonly<Record<string, string>>;
  /** Sign with this private key instead of Alipay's (PEM or raw base64). */
  readonly signWithKey?: string | KeyObject;
  readonly appId?: string;
  readonly sellerId?: string;
  /** Announce another out_trade_no (an order the service does not know). */
  readonly outTradeNo?: string;
  readonly tradeStatus?: AlipayTradeStatus;
  /**
   * Another payment of the same order: a new trade_no and notify_id, validly signed. The buyer paid twice, or
   * the money arrived after the merchant closed the trade (allowed on a closed trade); the recorded trade stays
   * as it is.
   */
  readonly newTransaction?: boolean;
  /** Extra HTTP headers on each delivery (e.g. a W3C traceparent, as a provider's gateway may add). */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Our service's answer to one notification delivery. */
export interface NotificationDelivery {
  readonly status: number;
  readonly body: string;
}

/** The last answer, every answer, and the notification as sent. */
export interface AlipayPayResult extends NotificationDelivery {
  readonly deliveries: readonly NotificationDelivery[];
  readonly notification: Readonly<Record<string, string>>;
}

interface GatewayError {
  readonly code: string;
  readonly msg: string;
  readonly subCode: string;
  readonly subMsg: string;
}

const MAX_BODY_BYTES = 1024 * 1024;
const OUT_TRADE_NO = /^[A-Za-z0-9_]{1,64}$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const CHINA_OFFSET_MS = 8 * 3600 * 1000;
const METHODS = new Set([
  'alipay.trade.precreate',
  'alipay.trade.page.pay',
  'alipay.trade.query',
  'alipay.trade.close',
  'alipay.trade.refund',
  'alipay.trade.fastpay.refund.query',
]);
// Methods that act on an existing trade rather than open one.
const TRADE_METHODS = new Set([
  'alipay.trade.query',
  'alipay.trade.close',
  'alipay.trade.refund',
  'alipay.trade.fastpay.refund.query',
]);
const OUT_REQUEST_NO = /^[A-Za-z0-9_]{1,64}$/;

const invalid = (subCode: string, subMsg: string): GatewayError => ({
  code: '40002',
  msg: 'Invalid Arguments',
  subCode,
  subMsg,
});
const missing = (subCode: string, subMsg: string): GatewayError => ({
  code: '40001',
  msg: 'Missing Required Arguments',
  subCode,
  subMsg,
});
const business = (subCode: string, subMsg: string): GatewayError => ({
  code: '40004',
  msg: 'Business Failed',
  subCode,
  subMsg,
});

function errorAnswer(error: GatewayError): Record<string, unknown> {
  return { code: error.code, msg: error.msg, sub_code: error.subCode, sub_msg: error.subMsg };
}

function chinaTime(instant: Date): string {
  return new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 19).replace('T', ' ');
}

function digits(count: number): string {
  let text = '';
  while (text.length < count) text += String(randomInt(0, 1_000_000_000)).padStart(9, '0');
  return text.slice(0, count);
}

/** A trade_no in Alipay's shape: the date, 2200, 16 digits. */
function tradeNumber(instant: Date): string {
  return `${chinaTime(instant).slice(0, 10).replace(/-/g, '')}2200${digits(16)}`;
}

/** Alipay writes JSON with "/" escaped as "\/"; re-serialising such an answer changes the signed text. */
function alipayJson(value: unknown): string {
  return JSON.stringify(value).replace(/\//g, '\\/');
}

/** Fen to Alipay's yuan string with two decimals. */
function yuan(fen: number): string {
  return `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * A faithful fake Alipay OpenAPI gateway on 127.0.0.1: verifies request signatures with the application public
 * key, answers alipay.trade.precreate with signed JSON and alipay.trade.page.pay with a cashier page, and sends
 * signed trade_status_sync notifications on demand (in-process via `pay`, or over its control API).
 */
export class AlipaySimulator {
  private readonly appPublicKey: KeyObject;
  private readonly alipayPrivateKey: KeyObject;
  private readonly now: () => Date;
  private readonly maxClockSkewMs: number;
  private readonly tradeMap = new Map<string, AlipaySimulatedTrade>();
  /** Every trade by trade_no, a second payment of an order included (it has a trade_no of its own). */
  private readonly byTradeNo = new Map<string, AlipaySimulatedTrade>();
  /** Refund requests still to be answered with a dropped connection after they are applied (control API). */
  private refundAnswersToDrop = 0;
  /** Every alipay.trade.refund request as received (params, sign included), for tests and the control API. */
  private readonly refundRequestLog: Record<string, string>[] = [];
  private readonly http: SimulatorHttp;

  constructor(private readonly options: AlipaySimulatorOptions) {
    this.http = new SimulatorHttp(
      'AlipaySimulator',
      (req, res) => this.handle(req, res),
      (res, message) => this.send(res, 500, 'application/json', JSON.stringify({ error: message })),
      options.port,
      options.host,
    );
    if (!options.appId || !options.sellerId) {
      throw new SimulatorError('SIMULATOR_CONFIG_INVALID', 'AlipaySimulator needs appId and sellerId');
    }
    this.appPublicKey = loadPublicKey(options.appPublicKey, 'Application public key');
    this.alipayPrivateKey = loadPrivateKey(options.alipayPrivateKey, 'Alipay private key');
    this.now = options.now ?? (() => new Date());
    this.maxClockSkewMs = options.maxClockSkewMs ?? 15 * 60 * 1000;
  }

  /** Starts listening and returns the base URL, e.g. http://127.0.0.1:41234. */
  start(): Promise<string> {
    return this.http.start();
  }

  /** Stops listening and drops open connections. */
  stop(): Promise<void> {
    return this.http.stop();
  }

  /** The base URL; throws before `start`. */
  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** What a merchant configures as the gateway: base + '/gateway.do'. */
  get gatewayUrl(): string {
    return `${this.baseUrl}/gateway.do`;
  }

  /** Every trade recorded so far, oldest first (copies). */
  trades(): AlipaySimulatedTrade[] {
    return [...this.tradeMap.values()].map((trade) => ({ ...trade }));
  }

  /** One trade by out_trade_no, or undefined. */
  trade(outTradeNo: string): AlipaySimulatedTrade | undefined {
    const trade = this.tradeMap.get(outTradeNo);
    return trade === undefined ? undefined : { ...trade };
  }

  /**
   * The buyer pays, but the notification is lost: the trade becomes TRADE_SUCCESS (alipay.trade.query says so)
   * and nothing is sent. A later `pay` delivers the late notification of this same payment (same trade_no).
   */
  markPaidWithoutNotify(outTradeNo: string): AlipaySimulatedTrade {
    const trade = this.payable(outTradeNo);
    trade.status = 'TRADE_SUCCESS';
    trade.gmtPayment ??= chinaTime(this.now());
    return { ...trade };
  }

  /**
   * Lets the buyer pay a recorded trade and delivers the signed notification to its notify_url, as often and as
   * concurrently as asked. notify_id is fixed per trade, so every delivery is a retry of the same notification.
   */
  async pay(outTradeNo: string, options: AlipayPayOptions = {}): Promise<AlipayPayResult> {
    const status = options.tradeStatus ?? 'TRADE_SUCCESS';
    const now = this.now();
    const another = options.newTransaction === true;
    // A TRADE_CLOSED notification of a closed trade is still allowed, and so is another payment; paying it is not.
    const recorded = status === 'TRADE_CLOSED' || another ? this.existing(outTradeNo) : this.payable(outTradeNo);
    // Another payment is a trade of its own: the changes below must not touch the recorded one.
    const trade: AlipaySimulatedTrade = another
      ? { ...recorded, tradeNo: tradeNumber(now), status, gmtPayment: undefined, notifyId: undefined, refunds: [] }
      : recorded;
    // The second payment can be queried and refunded by its trade_no, as at Alipay.
    if (another) this.byTradeNo.set(trade.tradeNo, trade);
    if (trade.notifyUrl === undefined) {
      throw new SimulatorError('SIMULATOR_DELIVERY_FAILED', `Trade ${outTradeNo} has no notify_url`);
    }
    trade.status = status;
    if ((status === 'TRADE_SUCCESS' || status === 'TRADE_FINISHED') && trade.gmtPayment === undefined) {
      trade.gmtPayment = chinaTime(now);
    }
    trade.notifyId ??= `${chinaTime(now).slice(0, 10).replace(/-/g, '')}0022${digits(22)}`;

    const amount = options.amount ?? trade.totalAmount;
    const paid = trade.gmtPayment !== undefined;
    const fields: Record<string, string> = {
      gmt_create: trade.gmtCreate,
      charset: 'utf-8',
      subject: trade.subject,
      sign_type: 'RSA2',
      buyer_id: trade.buyerId,
      notify_id: trade.notifyId,
      notify_type: 'trade_status_sync',
      trade_status: status,
      app_id: options.appId ?? this.options.appId,
      auth_app_id: options.appId ?? this.options.appId,
      seller_id: options.sellerId ?? this.options.sellerId,
      notify_time: chinaTime(now),
      version: '1.0',
      out_trade_no: options.outTradeNo ?? trade.outTradeNo,
      total_amount: amount,
      trade_no: trade.tradeNo,
    };
    if (paid) {
      Object.assign(fields, {
        gmt_payment: trade.gmtPayment,
        receipt_amount: amount,
        buyer_pay_amount: amount,
        invoice_amount: amount,
        point_amount: '0.00',
        fund_bill_list: JSON.stringify([{ amount, fundChannel: 'ALIPAYACCOUNT' }]),
      });
    }
    if (status === 'TRADE_CLOSED') fields.gmt_close = chinaTime(now);

    const signed = this.buildNotification(fields, options.signWithKey);
    const notification = { ...signed, ...options.tamper };
    const deliveries: NotificationDelivery[] = [];
    const rounds = Math.max(1, options.times ?? 1);
    const parallel = Math.max(1, options.concurrent ?? 1);
    for (let round = 0; round < rounds; round++) {
      const answers = await Promise.all(
        Array.from({ length: parallel }, () => this.postNotification(trade.notifyUrl!, notification, options.headers)),
      );
      deliveries.push(...answers);
    }
    const last = deliveries[deliveries.length - 1];
    return { status: last.status, body: last.body, deliveries, notification };
  }

  private existing(outTradeNo: string): AlipaySimulatedTrade {
    const trade = this.tradeMap.get(outTradeNo);
    if (trade === undefined) {
      throw new SimulatorError('SIMULATOR_TRADE_NOT_FOUND', `No trade with out_trade_no ${JSON.stringify(outTradeNo)}`);
    }
    return trade;
  }

  /** A trade the buyer can still pay: a closed one refuses, as Alipay's cashier does. */
  private payable(outTradeNo: string): AlipaySimulatedTrade {
    const trade = this.existing(outTradeNo);
    if (trade.status === 'TRADE_CLOSED') {
      throw new SimulatorError('SIMULATOR_TRADE_CLOSED', `Trade ${outTradeNo} is closed and cannot be paid`);
    }
    return trade;
  }

  /** Returns `fields` plus the RSA2 `sign` Alipay would put on them (sign and sign_type are not covered). */
  buildNotification(
    fields: Readonly<Record<string, string>>,
    signWithKey?: string | KeyObject,
  ): Record<string, string> {
    const key = signWithKey === undefined ? this.alipayPrivateKey : loadPrivateKey(signWithKey, 'signWithKey');
    const { sign: _ignored, ...rest } = fields;
    return { ...rest, sign: rsa2(signingText(rest, ['sign', 'sign_type']), key) };
  }

  /** POSTs notification fields as application/x-www-form-urlencoded, as Alipay does, and returns the answer. */
  async postNotification(
    url: string,
    fields: Readonly<Record<string, string>>,
    headers: Readonly<Record<string, string>> = {},
  ): Promise<NotificationDelivery> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
        body: new URLSearchParams(fields).toString(),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'unknown error';
      throw new SimulatorError('SIMULATOR_DELIVERY_FAILED', `Notification to ${url} failed: ${reason}`);
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname;
    if (path === '/gateway.do' && (req.method === 'POST' || req.method === 'GET')) {
      const bodyText = req.method === 'POST' ? await this.readBody(req) : '';
      const isForm = (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
      return this.gateway(req.method, url.searchParams, isForm ? new URLSearchParams(bodyText) : undefined, res);
    }
    if (path === '/_simulator/alipay/trades' && req.method === 'GET') {
      return this.send(res, 200, 'application/json', JSON.stringify(this.trades()));
    }
    const refundNotifyMatch = /^\/_simulator\/alipay\/trades\/([^/]+)\/refund-notify$/.exec(path);
    if (refundNotifyMatch !== null && req.method === 'POST') {
      try {
        const result = await this.notifyLatestRefund(decodeURIComponent(refundNotifyMatch[1]));
        return this.send(res, 200, 'application/json', JSON.stringify(result));
      } catch (error) {
        if (!(error instanceof SimulatorError)) throw error;
        const status = error.code === 'SIMULATOR_TRADE_NOT_FOUND' ? 404 : 502;
        return this.send(res, status, 'application/json', JSON.stringify({ error: error.message, code: error.code }));
      }
    }
    if (path === '/_simulator/alipay/refund-requests' && req.method === 'GET') {
      return this.send(res, 200, 'application/json', JSON.stringify(this.refundRequests()));
    }
    if (path === '/_simulator/alipay/drop-refund-answers' && req.method === 'POST') {
      const { count: raw } = JSON.parse((await this.readBody(req)) || '{}') as { count?: unknown };
      const count = Number(raw ?? 1);
      this.dropRefundAnswers(Number.isInteger(count) && count >= 0 ? count : 1);
      return this.send(res, 200, 'application/json', JSON.stringify({ dropping: this.refundAnswersToDrop }));
    }
    const lostMatch = /^\/_simulator\/alipay\/trades\/([^/]+)\/mark-paid-without-notify$/.exec(path);
    if (lostMatch !== null && req.method === 'POST') {
      try {
        const trade = this.markPaidWithoutNotify(decodeURIComponent(lostMatch[1]));
        return this.send(res, 200, 'application/json', JSON.stringify(trade));
      } catch (error) {
        if (!(error instanceof SimulatorError)) throw error;
        const status = error.code === 'SIMULATOR_TRADE_NOT_FOUND' ? 404 : 409;
        return this.send(res, status, 'application/json', JSON.stringify({ error: error.message, code: error.code }));
      }
    }
    const payMatch = /^\/_simulator\/alipay\/trades\/([^/]+)\/pay$/.exec(path);
    if (payMatch !== null && req.method === 'POST') {
      const text = await this.readBody(req);
      let options: AlipayPayOptions;
      try {
        options = text.trim() === '' ? {} : (JSON.parse(text) as AlipayPayOptions);
      } catch {
        return this.send(res, 400, 'application/json', JSON.stringify({ error: 'body must be JSON pay options' }));
      }
      try {
        const result = await this.pay(decodeURIComponent(payMatch[1]), options);
        return this.send(res, 200, 'application/json', JSON.stringify(result));
      } catch (error) {
        if (error instanceof SimulatorError) {
          const status =
            error.code === 'SIMULATOR_TRADE_NOT_FOUND'
              ? 404
              : error.code === 'SIMULATOR_TRADE_CLOSED'
                ? 409
                : error.code === 'SIMULATOR_KEY_INVALID'
                  ? 400
                  : 502;
          return this.send(res, status, 'application/json', JSON.stringify({ error: error.message, code: error.code }));
        }
        throw error;
      }
    }
    this.send(res, 404, 'application/json', JSON.stringify({ error: `no route ${req.method} ${path}` }));
  }

  private gateway(
    httpMethod: string,
    query: URLSearchParams,
    form: URLSearchParams | undefined,
    res: ServerResponse,
  ): void {
    const params: Record<string, string> = {};
    let repeated: string | undefined;
    for (const source of [query, form ?? new URLSearchParams()]) {
      for (const [key, value] of source) {
        if (Object.hasOwn(params, key)) repeated = key;
        params[key] = value;
      }
    }
    const method = params.method;
    const responseKey =
      method !== undefined && METHODS.has(method) ? `${method.replace(/\./g, '_')}_response` : 'error_response';
    const isPage = method === 'alipay.trade.page.pay';
    const fail = (error: GatewayError): void =>
      isPage
        ? this.cashierError(res, error)
        : this.answer(res, responseKey, {
            code: error.code,
            msg: error.msg,
            sub_code: error.subCode,
            sub_msg: error.subMsg,
          });

    const error =
      repeated !== undefined ? invalid('isv.invalid-parameter', `参数重复: ${repeated}`) : this.checkCommon(params);
    if (error !== undefined) return fail(error);
    if (httpMethod === 'GET' && !isPage) return fail(invalid('isv.invalid-method', 'GET is only for page methods'));

    let biz: Record<string, unknown>;
    try {
      const parsed: unknown = JSON.parse(params.biz_content ?? '');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      biz = parsed as Record<string, unknown>;
    } catch {
      return fail(missing('isv.missing-biz-content', 'biz_content must be a JSON object'));
    }
    if (method === 'alipay.trade.refund') {
      this.refundRequestLog.push({ ...params });
      const answer = this.onRefund(biz);
      if (this.refundAnswersToDrop > 0 && answer.code === '10000') {
        // Applied, but the answer never arrives: the merchant sees a timeout and must retry with the same key.
        this.refundAnswersToDrop -= 1;
        res.destroy();
        return;
      }
      return this.answer(res, responseKey, answer);
    }
    if (method === 'alipay.trade.fastpay.refund.query') return this.answer(res, responseKey, this.onRefundQuery(biz));
    if (TRADE_METHODS.has(method)) return this.answer(res, responseKey, this.onTrade(method, biz));
    const result = this.openTrade(method as AlipaySimulatedTrade['method'], biz, params.notify_url);
    if ('code' in result) return fail(result);
    if (isPage) return this.cashier(res, result);
    this.answer(res, responseKey, {
      code: '10000',
      msg: 'Success',
      out_trade_no: result.outTradeNo,
      qr_code: result.qrCode,
    });
  }

  private checkCommon(params: Record<string, string>): GatewayError | undefined {
    if (!params.app_id) return missing('isv.missing-app-id', '缺少AppID参数');
    if (!params.method) return missing('isv.missing-method', '缺少方法名参数');
    if (!params.sign_type) return missing('isv.missing-signature-type', '缺少签名类型参数');
    if (!params.sign) return missing('isv.missing-signature', '缺少签名参数');
    if (!params.timestamp) return missing('isv.missing-timestamp', '缺少时间戳参数');
    if (!params.version) return missing('isv.missing-version', '缺少版本参数');
    if (params.app_id !== this.options.appId) return invalid('isv.invalid-app-id', '无效的AppID参数');
    if (!METHODS.has(params.method)) return invalid('isv.invalid-method', '不存在的方法名');
    if (params.format !== undefined && params.format.toUpperCase() !== 'JSON')
      return invalid('isv.invalid-format', '无效的数据格式');
    if (params.charset !== undefined && params.charset.toLowerCase() !== 'utf-8') {
      return invalid('isv.invalid-charset', '字符集错误');
    }
    if (params.sign_type !== 'RSA2') return invalid('isv.invalid-signature-type', '无效签名类型');
    if (!this.timestampAccepted(params.timestamp)) return invalid('isv.invalid-timestamp', '非法的时间戳参数');
    if (params.version !== '1.0') return invalid('isv.invalid-version', '无效的版本号');
    if (!rsa2Check(signingText(params, ['sign']), params.sign, this.appPublicKey)) {
      // Alipay echoes the text it verified so merchants can compare; it holds no secret.
      return invalid('isv.invalid-signature', `验签出错，网关生成的验签字符串为：${signingText(params, ['sign'])}`);
    }
    return undefined;
  }

  private timestampAccepted(text: string): boolean {
    const match = TIMESTAMP.exec(text);
    if (match === null) return false;
    const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number, number];
    const instant = Date.UTC(y, mo - 1, d, h, mi, s) - CHINA_OFFSET_MS;
    return Math.abs(instant - this.now().getTime()) <= this.maxClockSkewMs;
  }

  /** alipay.trade.query and alipay.trade.close on a trade named by out_trade_no or trade_no. */
  private onTrade(method: string, biz: Record<string, unknown>): Record<string, unknown> {
    const { out_trade_no: outTradeNo, trade_no: tradeNo } = biz;
    if (typeof outTradeNo !== 'string' && typeof tradeNo !== 'string') {
      return errorAnswer(invalid('isv.missing-parameter', 'out_trade_no 和 trade_no 不能同时为空'));
    }
    const trade =
      typeof outTradeNo === 'string'
        ? this.tradeMap.get(outTradeNo)
        : [...this.tradeMap.values()].find((t) => t.tradeNo === tradeNo);
    if (trade === undefined || (typeof tradeNo === 'string' && trade.tradeNo !== tradeNo)) {
      return errorAnswer(business('ACQ.TRADE_NOT_EXIST', '交易不存在'));
    }
    if (method === 'alipay.trade.close') {
      // Alipay closes only a trade waiting for payment; paid and already-closed trades both answer
      // ACQ.TRADE_STATUS_ERROR (the caller queries to tell them apart).
      if (trade.status !== 'WAIT_BUYER_PAY') return errorAnswer(business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法'));
      trade.status = 'TRADE_CLOSED';
      return { code: '10000', msg: 'Success', trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo };
    }
    const paid = trade.status === 'TRADE_SUCCESS' || trade.status === 'TRADE_FINISHED';
    return {
      code: '10000',
      msg: 'Success',
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      buyer_logon_id: 'sim***@example.com',
      trade_status: trade.status,
      total_amount: trade.totalAmount,
      buyer_user_id: trade.buyerId,
      ...(paid && trade.gmtPayment !== undefined
        ? {
            buyer_pay_amount: trade.totalAmount,
            receipt_amount: trade.totalAmount,
            invoice_amount: trade.totalAmount,
            point_amount: '0.00',
            send_pay_date: trade.gmtPayment,
          }
        : {}),
    };
  }

  /** The trade a refund or refund query names: trade_no first (it names one payment), else out_trade_no. */
  private refundTarget(biz: Record<string, unknown>): AlipaySimulatedTrade | GatewayError {
    const { out_trade_no: outTradeNo, trade_no: tradeNo } = biz;
    if (typeof outTradeNo !== 'string' && typeof tradeNo !== 'string') {
      return invalid('isv.missing-parameter', 'out_trade_no 和 trade_no 不能同时为空');
    }
    const trade = typeof tradeNo === 'string' ? this.byTradeNo.get(tradeNo) : this.tradeMap.get(outTradeNo as string);
    if (trade === undefined || (typeof outTradeNo === 'string' && trade.outTradeNo !== outTradeNo)) {
      return business('ACQ.TRADE_NOT_EXIST', '交易不存在');
    }
    return trade;
  }

  /**
   * alipay.trade.refund: refunds part or all of a paid trade, once per out_request_no (a repeat answers the first
   * refund again with fund_change N); never more than the trade took. Notifies like Alipay: TRADE_SUCCESS with
   * refund_fee after a partial refund, TRADE_CLOSED after the full amount.
   */
  private onRefund(biz: Record<string, unknown>): Record<string, unknown> {
    const trade = this.refundTarget(biz);
    if ('code' in trade) return errorAnswer(trade);
    const { refund_amount: refundAmount, out_request_no: requestNo, refund_reason: reason } = biz;
    const outRequestNo = typeof requestNo === 'string' ? requestNo : trade.outTradeNo;
    if (!OUT_REQUEST_NO.test(outRequestNo)) {
      return errorAnswer(business('ACQ.INVALID_PARAMETER', 'out_request_no 必须为 1-64 位字母、数字或下划线'));
    }
    let fen: number;
    try {
      if (typeof refundAmount !== 'string' || !/^\d+(\.\d{1,2})?$/.test(refundAmount)) throw new Error('format');
      fen = fromAlipayAmount(refundAmount).amount;
      if (fen <= 0) throw new Error('range');
    } catch {
      return errorAnswer(business('ACQ.INVALID_PARAMETER', 'refund_amount 必须为大于 0 的金额，最多两位小数'));
    }
    const refundedFen = () => trade.refunds.reduce((sum, r) => sum + fromAlipayAmount(r.refundAmount).amount, 0);
    const answer = (fundChange: 'Y' | 'N') => ({
      code: '10000',
      msg: 'Success',
      trade_no: trade.tradeNo,
      out_trade_no: trade.outTradeNo,
      buyer_logon_id: 'sim***@example.com',
      fund_change: fundChange,
      refund_fee: yuan(refundedFen()),
      gmt_refund_pay: trade.refunds.find((r) => r.outRequestNo === outRequestNo)?.gmtRefund,
      buyer_user_id: trade.buyerId,
    });
    const earlier = trade.refunds.find((r) => r.outRequestNo === outRequestNo);
    if (earlier !== undefined) {
      if (fromAlipayAmount(earlier.refundAmount).amount !== fen) {
        return errorAnswer(business('ACQ.DISCORDANT_REPEAT_REQUEST', '请求信息与之前不一致'));
      }
      return answer('N');
    }
    if (trade.status !== 'TRADE_SUCCESS' && trade.status !== 'TRADE_FINISHED') {
      return errorAnswer(business('ACQ.TRADE_STATUS_ERROR', '交易状态不合法'));
    }
    const totalFen = fromAlipayAmount(trade.totalAmount).amount;
    if (refundedFen() + fen > totalFen) {
      return errorAnswer(business('ACQ.REFUND_AMT_NOT_EQUAL_TOTAL', '退款金额超限'));
    }
    const refund: AlipaySimulatedRefund = {
      outRequestNo,
      refundAmount,
      refundReason: typeof reason === 'string' ? reason : undefined,
      gmtRefund: chinaTime(this.now()),
    };
    trade.refunds.push(refund);
    const full = refundedFen() === totalFen;
    if (full) trade.status = 'TRADE_CLOSED';
    void this.notifyRefund(trade, refund, full).catch(() => undefined);
    return answer('Y');
  }

  /** alipay.trade.fastpay.refund.query: REFUND_SUCCESS for a known out_request_no, no refund fields otherwise. */
  private onRefundQuery(biz: Record<string, unknown>): Record<string, unknown> {
    const trade = this.refundTarget(biz);
    if ('code' in trade) return errorAnswer(trade);
    const requestNo = typeof biz.out_request_no === 'string' ? biz.out_request_no : trade.outTradeNo;
    const refund = trade.refunds.find((r) => r.outRequestNo === requestNo);
    const base = { code: '10000', msg: 'Success', trade_no: trade.tradeNo, out_trade_no: trade.outTradeNo };
    if (refund === undefined) return base;
    return {
      ...base,
      out_request_no: refund.outRequestNo,
      total_amount: trade.totalAmount,
      refund_amount: refund.refundAmount,
      refund_status: 'REFUND_SUCCESS',
      gmt_refund_pay: refund.gmtRefund,
    };
  }

  /** The notification Alipay sends after a refund: never a new payment, and a careless merchant may read it as one. */
  /** Sends the notification of the order's latest refund again, as Alipay's retries do (same notify_id). */
  async notifyLatestRefund(outTradeNo: string): Promise<{ deliveries: NotificationDelivery[] }> {
    const trade = this.tradeMap.get(outTradeNo);
    const refund = trade?.refunds.at(-1);
    if (trade === undefined || refund === undefined) {
      throw new SimulatorError('SIMULATOR_TRADE_NOT_FOUND', `No refund of ${JSON.stringify(outTradeNo)} yet`);
    }
    const full = trade.status === 'TRADE_CLOSED';
    const delivery = await this.notifyRefund(trade, refund, full);
    return { deliveries: delivery === undefined ? [] : [delivery] };
  }

  private async notifyRefund(
    trade: AlipaySimulatedTrade,
    refund: AlipaySimulatedRefund,
    full: boolean,
  ): Promise<NotificationDelivery | undefined> {
    if (trade.notifyUrl === undefined) return undefined;
    const now = this.now();
    const refunded = trade.refunds.reduce((sum, r) => sum + fromAlipayAmount(r.refundAmount).amount, 0);
    const fields: Record<string, string> = {
      gmt_create: trade.gmtCreate,
      charset: 'utf-8',
      sign_type: 'RSA2',
      buyer_id: trade.buyerId,
      // One notify_id per refund, kept across its retries, as Alipay does.
      notify_id: `${refund.gmtRefund.slice(0, 10).replace(/-/g, '')}0022${refund.outRequestNo.replace(/\W/g, '').slice(-22).padStart(22, '0')}`,
      notify_type: 'trade_status_sync',
      trade_status: full ? 'TRADE_CLOSED' : 'TRADE_SUCCESS',
      app_id: this.options.appId,
      auth_app_id: this.options.appId,
      seller_id: this.options.sellerId,
      notify_time: chinaTime(now),
      version: '1.0',
      out_trade_no: trade.outTradeNo,
      out_biz_no: refund.outRequestNo,
      total_amount: trade.totalAmount,
      refund_fee: yuan(refunded),
      gmt_refund: `${refund.gmtRefund}.000`,
      trade_no: trade.tradeNo,
      subject: trade.subject,
      ...(trade.gmtPayment !== undefined ? { gmt_payment: trade.gmtPayment } : {}),
      ...(full ? { gmt_close: chinaTime(now) } : {}),
    };
    return this.postNotification(trade.notifyUrl, this.buildNotification(fields));
  }

  /** Every alipay.trade.refund request received, oldest first (copies). */
  refundRequests(): Record<string, string>[] {
    return this.refundRequestLog.map((r) => ({ ...r }));
  }

  /** The next `count` successful refund answers are dropped after the refund is applied (a lost answer). */
  dropRefundAnswers(count: number): void {
    this.refundAnswersToDrop = count;
  }

  private openTrade(
    method: AlipaySimulatedTrade['method'],
    biz: Record<string, unknown>,
    notifyUrl: string | undefined,
  ): AlipaySimulatedTrade | GatewayError {
    const { out_trade_no: outTradeNo, total_amount: totalAmount, subject } = biz;
    if (typeof outTradeNo !== 'string' || !OUT_TRADE_NO.test(outTradeNo)) {
      return business('ACQ.INVALID_PARAMETER', 'out_trade_no 必须为 1-64 位字母、数字或下划线');
    }
    let fen: number;
    try {
      if (typeof totalAmount !== 'string' || !/^\d+(\.\d{1,2})?$/.test(totalAmount)) throw new Error('format');
      fen = fromAlipayAmount(totalAmount).amount;
      if (fen < ALIPAY_AMOUNT_RANGE.min) throw new Error('range');
    } catch {
      return business('ACQ.INVALID_PARAMETER', 'total_amount 必须在 0.01 到 100000000 之间，最多两位小数');
    }
    if (typeof subject !== 'string' || subject.trim() === '' || subject.length > 256) {
      return business('ACQ.INVALID_PARAMETER', 'subject 必填，最长 256 个字符');
    }
    if (method === 'alipay.trade.page.pay' && biz.product_code !== 'FAST_INSTANT_TRADE_PAY') {
      return business('ACQ.INVALID_PARAMETER', 'product_code 必须为 FAST_INSTANT_TRADE_PAY');
    }
    const existing = this.tradeMap.get(outTradeNo);
    if (existing !== undefined) {
      if (existing.status === 'TRADE_SUCCESS' || existing.status === 'TRADE_FINISHED') {
        return business('ACQ.TRADE_HAS_SUCCESS', '交易已被支付');
      }
      if (existing.status === 'TRADE_CLOSED') return business('ACQ.TRADE_HAS_CLOSE', '交易已经关闭');
      if (fromAlipayAmount(existing.totalAmount).amount !== fen) {
        return business('ACQ.INVALID_PARAMETER', '同一笔交易的金额不能变更');
      }
      return existing;
    }
    const now = this.now();
    const trade: AlipaySimulatedTrade = {
      outTradeNo,
      tradeNo: tradeNumber(now),
      method,
      totalAmount,
      subject,
      notifyUrl: notifyUrl || undefined,
      qrCode: `https://qr.alipay.com/bax0${randomBytes(12).toString('hex').slice(0, 21)}`,
      status: 'WAIT_BUYER_PAY',
      gmtCreate: chinaTime(now),
      gmtPayment: undefined,
      notifyId: undefined,
      buyerId: `2088${digits(12)}`,
      refunds: [],
    };
    this.tradeMap.set(outTradeNo, trade);
    this.byTradeNo.set(trade.tradeNo, trade);
    return trade;
  }

  private answer(res: ServerResponse, responseKey: string, response: Record<string, unknown>): void {
    const text = alipayJson(response);
    const sign = rsa2(text, this.alipayPrivateKey);
    this.send(res, 200, 'text/html;charset=utf-8', `{"${responseKey}":${text},"sign":"${sign}"}`);
  }

  private cashier(res: ServerResponse, trade: AlipaySimulatedTrade): void {
    const html =
      `<!doctype html><html><head><meta charset="utf-8"><title>支付宝 - 收银台 (simulator)</title></head><body>` +
      `<main data-out-trade-no="${escapeHtml(trade.outTradeNo)}" data-trade-no="${trade.tradeNo}">` +
      `<h1>${escapeHtml(trade.subject)}</h1><p>¥ ${escapeHtml(trade.totalAmount)}</p>` +
      `<p>POST /_simulator/alipay/trades/${escapeHtml(trade.outTradeNo)}/pay to pay this trade.</p>` +
      `</main></body></html>`;
    this.send(res, 200, 'text/html;charset=utf-8', html);
  }

  private cashierError(res: ServerResponse, error: GatewayError): void {
    // Real Alipay shows an error page with HTTP 200; 400 here makes a refused page.pay obvious in tests and tools.
    const html =
      `<!doctype html><html><head><meta charset="utf-8"><title>支付宝 - 错误 (simulator)</title></head><body>` +
      `<main data-code="${error.code}" data-sub-code="${escapeHtml(error.subCode)}"><h1>${escapeHtml(error.msg)}</h1>` +
      `<p>${escapeHtml(error.subCode)}: ${escapeHtml(error.subMsg)}</p></main></body></html>`;
    this.send(res, 400, 'text/html;charset=utf-8', html);
  }

  private async readBody(req: IncomingMessage): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) throw new Error('request body too large');
      chunks.push(chunk as Buffer);
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  private send(res: ServerResponse, status: number, contentType: string, body: string): void {
    res.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
}
