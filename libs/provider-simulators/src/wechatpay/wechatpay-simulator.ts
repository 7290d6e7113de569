import { type KeyObject, randomInt, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimulatorHttp } from '../http-server';
import { WECHAT_PAY_AMOUNT_RANGE } from '@shop/money';
import { SimulatorError } from '../simulator-error';
import { loadPrivateKey, loadPublicKey } from '../alipay/alipay-signature';
import {
  aesGcmEncrypt,
  messageText,
  parseAuthorization,
  randomAlphanumeric,
  requestText,
  sign,
  verify,
} from './wechatpay-signature';

/** How to run a fake WeChat Pay API v3 for one merchant. */
export interface WechatPaySimulatorOptions {
  readonly appId: string;
  readonly mchId: string;
  /** The APIv3 key (32 ASCII characters): encrypts notification resources. */
  readonly apiV3Key: string;
  /** The merchant API public key (PEM or raw base64 SPKI): verifies our requests' Authorization signatures. */
  readonly merchantPublicKey: string | KeyObject;
  /** The merchant API certificate serial that requests must carry as serial_no. */
  readonly merchantCertSerial: string;
  /** "WeChat Pay's" private key: signs answers and notifications. */
  readonly platformPrivateKey: string | KeyObject;
  /** The Wechatpay-Serial sent with those signatures: a "PUB_KEY_ID_..." id or a platform certificate serial. */
  readonly platformSerial: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** The simulator's clock, for timestamps and the request timestamp window. */
  readonly now?: () => Date;
  /** How far a request timestamp may be from the simulator's clock (default 300 s, as WeChat Pay). */
  readonly maxClockSkewSeconds?: number;
  /** How long an accepted refund stays PROCESSING before it succeeds and is notified (default 200 ms). */
  readonly refundDelayMs?: number;
}

/** WeChat Pay trade states (trade_state). */
export type WechatPayTradeState = 'NOTPAY' | 'USERPAYING' | 'SUCCESS' | 'REFUND' | 'CLOSED' | 'REVOKED' | 'PAYERROR';

/** A trade the simulator knows, as the control API lists it. */
export interface WechatPaySimulatedTrade {
  readonly outTradeNo: string;
  readonly appId: string;
  readonly description: string;
  readonly notifyUrl: string;
  /** Fen. */
  readonly total: number;
  readonly timeExpire: string | undefined;
  readonly attach: string | undefined;
  readonly codeUrl: string;
  readonly createTime: string;
  tradeState: WechatPayTradeState;
  transactionId: string | undefined;
  successTime: string | undefined;
  /** The notification id: fixed per trade, so every delivery is a retry of the same notification. */
  notificationId: string | undefined;
  readonly payerOpenId: string;
}

/** Edits applied to the raw notification body AFTER signing: the signature no longer matches. */
export interface WechatPayTamper {
  /** Literal substring -> replacement, every occurrence (e.g. {"\"id\":\"": "\"id\":\"X"}). */
  readonly replace?: Readonly<Record<string, string>>;
  /** Re-serialise the JSON (same content, different bytes): proves the signature covers the raw body. */
  readonly reserialize?: boolean;
}

/** What `pay` does; every field is optional and the defaults send one honest TRADE_SUCCESS notification. */
export interface WechatPayPayOptions {
  /** Sequential deliveries of the same notification (a retry keeps id, re-signed with a fresh timestamp/nonce). */
  readonly times?: number;
  /** Parallel deliveries per round. Default 1. */
  readonly concurrent?: number;
  /** A different amount.total (fen), validly signed and encrypted. */
  readonly amount?: number;
  readonly tamper?: WechatPayTamper;
  /** Sign with this private key instead of the platform key (PEM or raw base64). */
  readonly signWithKey?: string | KeyObject;
  /** Send this Wechatpay-Serial instead of the configured one. */
  readonly serial?: string;
  /** Wechatpay-Timestamp in unix seconds (e.g. a stale one); fixed for every delivery. */
  readonly timestamp?: number;
  /** Wechatpay-Nonce, fixed for every delivery: with `timestamp`, a byte-exact replay. */
  readonly nonce?: string;
  readonly mchId?: string;
  readonly appId?: string;
  /** Announce another out_trade_no (an order the service does not know). */
  readonly outTradeNo?: string;
  /** Send a WECHATPAY/SIGNTEST/ probe signature instead of a real one. */
  readonly probe?: boolean;
  /** Encrypt the resource with another APIv3 key (the receiver cannot decrypt it). */
  readonly apiV3Key?: string;
  /**
   * Another payment of the same order: a new transaction_id and notification id, validly signed. The buyer paid
   * twice, or the money arrived after the merchant closed the order (allowed on a closed trade); the recorded
   * trade stays as it is.
   */
  readonly newTransaction?: boolean;
}

/** Our service's answer to one notification delivery and what was sent. */
export interface WechatPayNotificationDelivery {
  readonly status: number;
  readonly body: string;
  readonly timestamp: string;
  readonly nonce: string;
}

/** The last answer, every answer, and the notification as sent. */
export interface WechatPayPayResult {
  readonly status: number;
  readonly body: string;
  readonly deliveries: readonly WechatPayNotificationDelivery[];
  /** The notification id, the raw body as sent (after tampering) and the decrypted resource. */
  readonly notification: { readonly id: string; readonly body: string; readonly resource: Record<string, unknown> };
}

/** A WeChat Pay error answer: HTTP status plus {code, message}. */
class ApiError {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly message: string,
  ) {}
}

const MAX_BODY_BYTES = 1024 * 1024;
const OUT_TRADE_NO = /^[0-9A-Za-z_\-*]{6,32}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const API_V3_KEY = /^[\x21-\x7e]{32}$/;
const CHINA_OFFSET_MS = 8 * 3600 * 1000;
const QUERY_PATH = /^\/v3\/pay\/transactions\/out-trade-no\/([^/?]+)$/;
const CLOSE_PATH = /^\/v3\/pay\/transactions\/out-trade-no\/([^/?]+)\/close$/;
const REFUND_QUERY_PATH = /^\/v3\/refund\/domestic\/refunds\/([^/?]+)$/;
const OUT_REFUND_NO = /^[0-9A-Za-z_\-|*@]{1,64}$/;

/** A refund the simulator knows (POST /v3/refund/domestic/refunds), as the control API lists it. */
export interface WechatPaySimulatedRefund {
  readonly refundId: string;
  readonly outRefundNo: string;
  readonly transactionId: string;
  readonly outTradeNo: string;
  /** Fen. */
  readonly refund: number;
  readonly total: number;
  readonly notifyUrl: string | undefined;
  readonly createTime: string;
  status: 'PROCESSING' | 'SUCCESS' | 'CLOSED' | 'ABNORMAL';
  successTime: string | undefined;
}
const CONTROL_TRADE = /^\/_simulator\/wechatpay\/trades\/([^/]+)\/(pay|mark-paid)$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

const apiError = (status: number, code: string, message: string): ApiError => new ApiError(status, code, message);
const signError = (message: string): ApiError => apiError(401, 'SIGN_ERROR', message);
const paramError = (message: string): ApiError => apiError(400, 'PARAM_ERROR', message);

function chinaTime(instant: Date): string {
  return `${new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 19)}+08:00`;
}

function digits(count: number): string {
  let text = '';
  while (text.length < count) text += String(randomInt(0, 1_000_000_000)).padStart(9, '0');
  return text.slice(0, count);
}

/** A transaction_id in WeChat Pay's shape: 4200, 6 digits, the date, 10 digits. */
function transactionNumber(instant: Date): string {
  return `4200${digits(6)}${chinaTime(instant).slice(0, 10).replace(/-/g, '')}${digits(10)}`;
}

/**
 * A faithful fake WeChat Pay API v3 on 127.0.0.1: verifies request Authorization signatures with the merchant
 * public key, serves Native orders, query and close with signed answers, and sends signed, encrypted
 * TRANSACTION.SUCCESS notifications on demand (in-process via `pay`, or over its control API).
 */
export class WechatPaySimulator {
  private readonly merchantPublicKey: KeyObject;
  private readonly platformPrivateKey: KeyObject;
  private readonly now: () => Date;
  private readonly maxClockSkewSeconds: number;
  private readonly tradeMap = new Map<string, WechatPaySimulatedTrade>();
  /** Every paid transaction by transaction_id, a second payment of an order included. */
  private readonly transactions = new Map<string, WechatPaySimulatedTrade>();
  private readonly refundMap = new Map<string, WechatPaySimulatedRefund>();
  private readonly http: SimulatorHttp;

  constructor(private readonly options: WechatPaySimulatorOptions) {
    this.http = new SimulatorHttp(
      'WechatPaySimulator',
      (req, res) => this.handle(req, res),
      (res, message) => this.send(res, 500, JSON.stringify({ code: 'SYSTEM_ERROR', message })),
      options.port,
      options.host,
    );
    if (!options.appId || !options.mchId || !options.merchantCertSerial || !options.platformSerial) {
      throw new SimulatorError(
        'SIMULATOR_CONFIG_INVALID',
        'WechatPaySimulator needs appId, mchId, merchantCertSerial and platformSerial',
      );
    }
    if (typeof options.apiV3Key !== 'string' || !API_V3_KEY.test(options.apiV3Key)) {
      throw new SimulatorError('SIMULATOR_CONFIG_INVALID', 'WechatPaySimulator apiV3Key must be 32 ASCII characters');
    }
    this.merchantPublicKey = loadPublicKey(options.merchantPublicKey, 'Merchant public key');
    this.platformPrivateKey = loadPrivateKey(options.platformPrivateKey, 'WeChat Pay platform private key');
    this.now = options.now ?? (() => new Date());
    this.maxClockSkewSeconds = options.maxClockSkewSeconds ?? 300;
  }

  /** Starts listening and returns the base URL (what the client takes as baseUrl), e.g. http://127.0.0.1:41234. */
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

  /** Every trade recorded so far, oldest first (copies). */
  trades(): WechatPaySimulatedTrade[] {
    return [...this.tradeMap.values()].map((trade) => ({ ...trade }));
  }

  /** One trade by out_trade_no, or undefined. */
  trade(outTradeNo: string): WechatPaySimulatedTrade | undefined {
    const trade = this.tradeMap.get(outTradeNo);
    return trade === undefined ? undefined : { ...trade };
  }

  /** The buyer pays, but the notification is lost: only an active query finds the payment. */
  markPaidWithoutNotify(outTradeNo: string): WechatPaySimulatedTrade {
    return { ...this.settle(this.requireTrade(outTradeNo)) };
  }

  /** Forces a trade state (USERPAYING, PAYERROR, REVOKED, REFUND ...) to exercise the query mapping. */
  setTradeState(outTradeNo: string, state: WechatPayTradeState): WechatPaySimulatedTrade {
    const trade = this.requireTrade(outTradeNo);
    if (state === 'SUCCESS' || state === 'REFUND') this.settle(trade);
    trade.tradeState = state;
    return { ...trade };
  }

  /**
   * Lets the buyer pay a recorded trade and delivers the signed, encrypted TRANSACTION.SUCCESS notification to its
   * notify_url, as often and as concurrently as asked. The notification id and body stay the same across
   * deliveries; each delivery is signed afresh (new timestamp and nonce) unless `timestamp`/`nonce` are fixed.
   */
  async pay(outTradeNo: string, options: WechatPayPayOptions = {}): Promise<WechatPayPayResult> {
    const now = this.now();
    const recorded = this.requireTrade(outTradeNo);
    // Another payment is a transaction of its own: the recorded trade keeps its state and ids.
    const trade: WechatPaySimulatedTrade =
      options.newTransaction === true
        ? {
            ...recorded,
            tradeState: 'SUCCESS',
            transactionId: transactionNumber(now),
            successTime: chinaTime(now),
            notificationId: randomUUID(),
          }
        : this.settle(recorded);
    this.transactions.set(trade.transactionId!, trade);
    trade.notificationId ??= randomUUID();
    const total = options.amount ?? trade.total;
    const resource: Record<string, unknown> = {
      mchid: options.mchId ?? this.options.mchId,
      appid: options.appId ?? trade.appId,
      out_trade_no: options.outTradeNo ?? trade.outTradeNo,
      transaction_id: trade.transactionId,
      trade_type: 'NATIVE',
      trade_state: 'SUCCESS',
      trade_state_desc: '支付成功',
      bank_type: 'OTHERS',
      attach: trade.attach ?? '',
      success_time: trade.successTime,
      payer: { openid: trade.payerOpenId },
      amount: { total, payer_total: total, currency: 'CNY', payer_currency: 'CNY' },
    };
    const resourceNonce = randomAlphanumeric(12);
    const body = JSON.stringify({
      id: trade.notificationId,
      create_time: chinaTime(now),
      resource_type: 'encrypt-resource',
      event_type: 'TRANSACTION.SUCCESS',
      summary: '支付成功',
      resource: {
        original_type: 'transaction',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: aesGcmEncrypt(
          JSON.stringify(resource),
          options.apiV3Key ?? this.options.apiV3Key,
          resourceNonce,
          'transaction',
        ),
        associated_data: 'transaction',
        nonce: resourceNonce,
      },
    });
    const key =
      options.signWithKey === undefined ? this.platformPrivateKey : loadPrivateKey(options.signWithKey, 'signWithKey');
    const sent = tamper(body, options.tamper);
    const deliveries: WechatPayNotificationDelivery[] = [];
    const rounds = Math.max(1, options.times ?? 1);
    const parallel = Math.max(1, options.concurrent ?? 1);
    for (let round = 0; round < rounds; round++) {
      const answers = await Promise.all(
        Array.from({ length: parallel }, () => {
          const timestamp = String(options.timestamp ?? Math.floor(this.now().getTime() / 1000));
          const nonce = options.nonce ?? randomAlphanumeric(32);
          const signature =
            options.probe === true
              ? `WECHATPAY/SIGNTEST/${Buffer.from(randomAlphanumeric(48)).toString('base64')}`
              : sign(messageText(timestamp, nonce, body), key);
          return this.postNotification(trade.notifyUrl, sent, {
            'wechatpay-timestamp': timestamp,
            'wechatpay-nonce': nonce,
            'wechatpay-signature': signature,
            'wechatpay-serial': options.serial ?? this.options.platformSerial,
          }).then((answer) => ({ ...answer, timestamp, nonce }));
        }),
      );
      deliveries.push(...answers);
    }
    const last = deliveries[deliveries.length - 1];
    return {
      status: last.status,
      body: last.body,
      deliveries,
      notification: { id: trade.notificationId, body: sent, resource },
    };
  }

  /** Every refund so far, oldest first (copies). */
  refunds(): WechatPaySimulatedRefund[] {
    return [...this.refundMap.values()].map((r) => ({ ...r }));
  }

  /**
   * POST /v3/refund/domestic/refunds: accepts a refund of a paid transaction (PROCESSING), once per out_refund_no,
   * never above what is left of it; `refundDelayMs` later it succeeds and REFUND.SUCCESS goes to notify_url.
   */
  private refund(json: Record<string, unknown>): ApiError | [number, Record<string, unknown>] {
    const { transaction_id: transactionId, out_trade_no: outTradeNo, out_refund_no: outRefundNo, amount } = json;
    if (typeof outRefundNo !== 'string' || !OUT_REFUND_NO.test(outRefundNo)) {
      return paramError('out_refund_no 必填，1-64 位字母、数字或 _-|*@');
    }
    const trade =
      typeof transactionId === 'string'
        ? this.transactions.get(transactionId)
        : typeof outTradeNo === 'string'
          ? this.tradeMap.get(outTradeNo)
          : undefined;
    if (typeof transactionId !== 'string' && typeof outTradeNo !== 'string') {
      return paramError('transaction_id 和 out_trade_no 必须二选一');
    }
    if (trade === undefined || trade.transactionId === undefined) {
      return apiError(404, 'RESOURCE_NOT_EXISTS', '订单不存在');
    }
    const amounts = typeof amount === 'object' && amount !== null ? (amount as Record<string, unknown>) : {};
    const { refund: fen, total } = amounts;
    if (!Number.isSafeInteger(fen) || (fen as number) <= 0 || !Number.isSafeInteger(total)) {
      return paramError('amount.refund 和 amount.total 必须为正整数（分）');
    }
    if (amounts.currency !== 'CNY') return paramError('amount.currency 必须为 CNY');
    if (total !== trade.total) return apiError(400, 'INVALID_REQUEST', '订单金额与原订单不一致');
    const earlier = this.refundMap.get(outRefundNo);
    if (earlier !== undefined) {
      if (earlier.refund !== fen || earlier.transactionId !== trade.transactionId) {
        return apiError(400, 'INVALID_REQUEST', '同一退款单号的请求参数不一致');
      }
      return [200, this.refundObject(earlier)];
    }
    if (trade.tradeState !== 'SUCCESS' && trade.tradeState !== 'REFUND') {
      return apiError(400, 'INVALID_REQUEST', '订单状态不正确');
    }
    const refunded = [...this.refundMap.values()]
      .filter((r) => r.transactionId === trade.transactionId && r.status !== 'CLOSED' && r.status !== 'ABNORMAL')
      .reduce((sum, r) => sum + r.refund, 0);
    if (refunded + (fen as number) > trade.total)
      return apiError(400, 'INVALID_REQUEST', '申请退款金额超过订单可退金额');
    const refund: WechatPaySimulatedRefund = {
      refundId: `50${digits(30)}`,
      outRefundNo,
      transactionId: trade.transactionId,
      outTradeNo: trade.outTradeNo,
      refund: fen as number,
      total: trade.total,
      notifyUrl: typeof json.notify_url === 'string' ? json.notify_url : undefined,
      createTime: chinaTime(this.now()),
      status: 'PROCESSING',
      successTime: undefined,
    };
    this.refundMap.set(outRefundNo, refund);
    const timer = setTimeout(
      () => void this.completeRefund(refund).catch(() => undefined),
      this.options.refundDelayMs ?? 200,
    );
    timer.unref();
    return [200, this.refundObject(refund)];
  }

  private async completeRefund(refund: WechatPaySimulatedRefund): Promise<void> {
    refund.status = 'SUCCESS';
    refund.successTime = chinaTime(this.now());
    const trade = this.transactions.get(refund.transactionId);
    if (trade !== undefined) trade.tradeState = 'REFUND';
    await this.notifyRefund(refund);
  }

  /** Sends the REFUND.SUCCESS notification of the order's latest finished refund again (WeChat Pay's retry). */
  async notifyLatestRefund(outTradeNo: string): Promise<{ deliveries: { status: number; body: string }[] }> {
    const refund = [...this.refundMap.values()]
      .filter((r) => r.outTradeNo === outTradeNo && r.status === 'SUCCESS')
      .pop();
    if (refund === undefined) {
      throw new SimulatorError('SIMULATOR_TRADE_NOT_FOUND', `No finished refund of ${JSON.stringify(outTradeNo)} yet`);
    }
    const delivery = await this.notifyRefund(refund);
    return { deliveries: delivery === undefined ? [] : [delivery] };
  }

  private async notifyRefund(refund: WechatPaySimulatedRefund): Promise<{ status: number; body: string } | undefined> {
    if (refund.notifyUrl === undefined) return undefined;
    const now = this.now();
    const resource = {
      mchid: this.options.mchId,
      out_trade_no: refund.outTradeNo,
      transaction_id: refund.transactionId,
      out_refund_no: refund.outRefundNo,
      refund_id: refund.refundId,
      refund_status: 'SUCCESS',
      success_time: refund.successTime,
      user_received_account: '支付用户零钱',
      amount: { total: refund.total, refund: refund.refund, payer_total: refund.total, payer_refund: refund.refund },
    };
    const resourceNonce = randomAlphanumeric(12);
    const body = JSON.stringify({
      id: randomUUID(),
      create_time: chinaTime(now),
      resource_type: 'encrypt-resource',
      event_type: 'REFUND.SUCCESS',
      summary: '退款成功',
      resource: {
        original_type: 'refund',
        algorithm: 'AEAD_AES_256_GCM',
        ciphertext: aesGcmEncrypt(JSON.stringify(resource), this.options.apiV3Key, resourceNonce, 'refund'),
        associated_data: 'refund',
        nonce: resourceNonce,
      },
    });
    const timestamp = String(Math.floor(now.getTime() / 1000));
    const nonce = randomAlphanumeric(32);
    return this.postNotification(refund.notifyUrl, body, {
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-signature': sign(messageText(timestamp, nonce, body), this.platformPrivateKey),
      'wechatpay-serial': this.options.platformSerial,
    });
  }

  private refundObject(refund: WechatPaySimulatedRefund): Record<string, unknown> {
    return {
      refund_id: refund.refundId,
      out_refund_no: refund.outRefundNo,
      transaction_id: refund.transactionId,
      out_trade_no: refund.outTradeNo,
      channel: 'ORIGINAL',
      user_received_account: '支付用户零钱',
      success_time: refund.successTime,
      create_time: refund.createTime,
      status: refund.status,
      funds_account: 'AVAILABLE',
      amount: {
        total: refund.total,
        refund: refund.refund,
        payer_total: refund.total,
        payer_refund: refund.refund,
        settlement_refund: refund.refund,
        settlement_total: refund.total,
        discount_refund: 0,
        currency: 'CNY',
      },
    };
  }

  /** POSTs a notification body as WeChat Pay does (JSON, Wechatpay-* headers) and returns the answer. */
  async postNotification(
    url: string,
    body: string,
    headers: Readonly<Record<string, string>>,
  ): Promise<{ status: number; body: string }> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'Mozilla/4.0', ...headers },
        body,
        // WeChat Pay waits 5 s for the answer; a slower one counts as failed and is retried.
        signal: AbortSignal.timeout(5_000),
      });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'unknown error';
      throw new SimulatorError('SIMULATOR_DELIVERY_FAILED', `Notification to ${url} failed: ${reason}`);
    }
  }

  private requireTrade(outTradeNo: string): WechatPaySimulatedTrade {
    const trade = this.tradeMap.get(outTradeNo);
    if (trade === undefined) {
      throw new SimulatorError('SIMULATOR_TRADE_NOT_FOUND', `No trade with out_trade_no ${JSON.stringify(outTradeNo)}`);
    }
    return trade;
  }

  /** Marks a trade paid once (transaction_id, success_time); a closed or revoked trade cannot be paid. */
  private settle(trade: WechatPaySimulatedTrade): WechatPaySimulatedTrade {
    if (trade.tradeState === 'CLOSED' || trade.tradeState === 'REVOKED') {
      throw new SimulatorError(
        'SIMULATOR_TRADE_CLOSED',
        `Trade ${trade.outTradeNo} is ${trade.tradeState} and cannot be paid`,
      );
    }
    if (trade.transactionId === undefined) {
      const now = this.now();
      trade.transactionId = transactionNumber(now);
      trade.successTime = chinaTime(now);
    }
    if (trade.tradeState !== 'REFUND') trade.tradeState = 'SUCCESS';
    this.transactions.set(trade.transactionId, trade);
    return trade;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const rawUrl = req.url ?? '/';
    const url = new URL(rawUrl, 'http://simulator');
    const path = url.pathname;
    if (path.startsWith('/_simulator/wechatpay/')) return this.control(req, res, path);
    const body = await this.readBody(req);
    if (!path.startsWith('/v3/')) return this.answer(res, apiError(404, 'NOT_FOUND', `no route ${path}`));

    const auth = this.authenticate(req, rawUrl, body);
    if (auth instanceof ApiError) return this.answer(res, auth);
    const userAgent = req.headers['user-agent'];
    if (typeof userAgent !== 'string' || userAgent.trim() === '') {
      return this.answer(res, paramError('HTTP头缺少User-Agent'));
    }

    if (path === '/v3/pay/transactions/native' && req.method === 'POST') {
      const json = this.jsonBody(req, body);
      if (json instanceof ApiError) return this.answer(res, json);
      return this.answer(res, this.native(json));
    }
    const query = QUERY_PATH.exec(path);
    if (query !== null && req.method === 'GET') {
      if (url.searchParams.get('mchid') !== this.options.mchId) {
        return this.answer(res, paramError('mchid 缺失或与请求头中的商户号不一致'));
      }
      const trade = this.tradeMap.get(decodeURIComponent(query[1]));
      if (trade === undefined) return this.answer(res, apiError(404, 'ORDER_NOT_EXIST', '订单不存在'));
      return this.answer(res, 200, this.transaction(trade));
    }
    if (path === '/v3/refund/domestic/refunds' && req.method === 'POST') {
      const json = this.jsonBody(req, body);
      if (json instanceof ApiError) return this.answer(res, json);
      return this.answer(res, this.refund(json));
    }
    const refundQuery = REFUND_QUERY_PATH.exec(path);
    if (refundQuery !== null && req.method === 'GET') {
      const refund = this.refundMap.get(decodeURIComponent(refundQuery[1]));
      if (refund === undefined) return this.answer(res, apiError(404, 'RESOURCE_NOT_EXISTS', '退款单不存在'));
      return this.answer(res, 200, this.refundObject(refund));
    }
    const close = CLOSE_PATH.exec(path);
    if (close !== null && req.method === 'POST') {
      const json = this.jsonBody(req, body);
      if (json instanceof ApiError) return this.answer(res, json);
      if (json.mchid !== this.options.mchId) return this.answer(res, paramError('mchid 与请求头中的商户号不一致'));
      const trade = this.tradeMap.get(decodeURIComponent(close[1]));
      if (trade === undefined) return this.answer(res, apiError(404, 'ORDER_NOT_EXIST', '订单不存在'));
      if (trade.tradeState === 'SUCCESS' || trade.tradeState === 'REFUND') {
        return this.answer(res, apiError(400, 'ORDERPAID', '订单已支付'));
      }
      trade.tradeState = 'CLOSED';
      return this.answer(res, 204);
    }
    return this.answer(res, apiError(404, 'NOT_FOUND', `no route ${req.method ?? ''} ${path}`));
  }

  /** WeChat Pay's checks on every API request, in its order: header format, merchant, serial, time, signature. */
  private authenticate(req: IncomingMessage, rawUrl: string, body: string): Record<string, string> | ApiError {
    const parsed = parseAuthorization(req.headers.authorization);
    if (typeof parsed === 'string') return signError(`Http头Authorization值格式错误: ${parsed}`);
    if (parsed.mchid !== this.options.mchId) return signError('Authorization中的商户号不存在或不匹配');
    if (parsed.serial_no.toUpperCase() !== this.options.merchantCertSerial.toUpperCase()) {
      return signError('商户证书序列号有误。请使用签名私钥匹配的证书序列号');
    }
    const timestamp = Number(parsed.timestamp);
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    if (!/^\d{1,12}$/.test(parsed.timestamp) || Math.abs(nowSeconds - timestamp) > this.maxClockSkewSeconds) {
      return signError('Authorization中的timestamp已过期或与服务器时间相差过大');
    }
    const text = requestText(req.method ?? '', rawUrl, parsed.timestamp, parsed.nonce_str, body);
    if (!verify(text, parsed.signature, this.merchantPublicKey)) {
      return signError('签名错误，请检查后再试');
    }
    return parsed;
  }

  private jsonBody(req: IncomingMessage, body: string): Record<string, unknown> | ApiError {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/json') return paramError('Content-Type 必须为 application/json');
    try {
      const value: unknown = JSON.parse(body);
      if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // answered below
    }
    return paramError('请求体不是合法的 JSON 对象');
  }

  private native(json: Record<string, unknown>): ApiError | [number, Record<string, unknown>] {
    const { appid, mchid, description, out_trade_no: outTradeNo, notify_url: notifyUrl, amount } = json;
    if (mchid !== this.options.mchId) return paramError('mchid 与请求头中的商户号不一致');
    if (appid !== this.options.appId) return apiError(400, 'APPID_MCHID_NOT_MATCH', 'appid和mch_id不匹配');
    if (typeof description !== 'string' || description === '' || [...description].length > 127) {
      return paramError('description 必填，长度不超过127个字符');
    }
    if (typeof outTradeNo !== 'string' || !OUT_TRADE_NO.test(outTradeNo)) {
      return paramError('out_trade_no 须为6-32位数字、大小写字母、_-*');
    }
    if (typeof notifyUrl !== 'string' || !this.notifyUrlAccepted(notifyUrl)) {
      return paramError('notify_url 须为 https 地址，且不能携带参数');
    }
    if (typeof amount !== 'object' || amount === null) return paramError('amount 必填');
    const { total, currency } = amount as Record<string, unknown>;
    if (
      typeof total !== 'number' ||
      !Number.isInteger(total) ||
      total < WECHAT_PAY_AMOUNT_RANGE.min ||
      total > WECHAT_PAY_AMOUNT_RANGE.max
    ) {
      return paramError('amount.total 须为正整数（单位：分）');
    }
    if (currency !== undefined && currency !== 'CNY') return paramError('amount.currency 仅支持 CNY');
    const timeExpire = json.time_expire;
    if (timeExpire !== undefined && (typeof timeExpire !== 'string' || !RFC3339.test(timeExpire))) {
      return paramError('time_expire 须为 RFC 3339 格式，如 2018-06-08T10:34:56+08:00');
    }
    const attach = typeof json.attach === 'string' ? json.attach : undefined;
    const existing = this.tradeMap.get(outTradeNo);
    if (existing !== undefined) {
      if (existing.tradeState === 'SUCCESS' || existing.tradeState === 'REFUND') {
        return apiError(400, 'ORDERPAID', '该订单已支付');
      }
      if (existing.tradeState === 'CLOSED' || existing.tradeState === 'REVOKED') {
        return apiError(400, 'ORDER_CLOSED', '订单已关闭');
      }
      if (existing.total !== total || existing.description !== description) {
        return apiError(400, 'INVALID_REQUEST', '201 商户订单号重复');
      }
      return [200, { code_url: existing.codeUrl }];
    }
    const trade: WechatPaySimulatedTrade = {
      outTradeNo,
      appId: appid,
      description,
      notifyUrl,
      total,
      timeExpire,
      attach,
      codeUrl: `weixin://wxpay/bizpayurl?pr=${randomAlphanumeric(9)}`,
      createTime: chinaTime(this.now()),
      tradeState: 'NOTPAY',
      transactionId: undefined,
      successTime: undefined,
      notificationId: undefined,
      payerOpenId: `oUpF8u${randomAlphanumeric(22)}`,
    };
    this.tradeMap.set(outTradeNo, trade);
    return [200, { code_url: trade.codeUrl }];
  }

  private notifyUrlAccepted(text: string): boolean {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return false;
    }
    // Real WeChat Pay takes https only; loopback http is the simulator's one allowance, for local receivers.
    const secure = url.protocol === 'https:' || (url.protocol === 'http:' && LOOPBACK.has(url.hostname));
    return secure && !text.includes('?') && url.hash === '';
  }

  private transaction(trade: WechatPaySimulatedTrade): Record<string, unknown> {
    const paid = trade.tradeState === 'SUCCESS' || trade.tradeState === 'REFUND';
    const descriptions: Record<WechatPayTradeState, string> = {
      NOTPAY: '订单未支付',
      USERPAYING: '用户支付中',
      SUCCESS: '支付成功',
      REFUND: '转入退款',
      CLOSED: '订单已关闭',
      REVOKED: '已撤销',
      PAYERROR: '支付失败',
    };
    return {
      amount: paid
        ? { total: trade.total, payer_total: trade.total, currency: 'CNY', payer_currency: 'CNY' }
        : { total: trade.total, currency: 'CNY', payer_currency: 'CNY' },
      appid: trade.appId,
      mchid: this.options.mchId,
      out_trade_no: trade.outTradeNo,
      ...(paid
        ? {
            transaction_id: trade.transactionId,
            bank_type: 'OTHERS',
            success_time: trade.successTime,
            payer: { openid: trade.payerOpenId },
          }
        : {}),
      attach: trade.attach ?? '',
      trade_type: 'NATIVE',
      trade_state: trade.tradeState,
      trade_state_desc: descriptions[trade.tradeState],
    };
  }

  private async control(req: IncomingMessage, res: ServerResponse, path: string): Promise<void> {
    if (path === '/_simulator/wechatpay/trades' && req.method === 'GET') {
      return this.send(res, 200, JSON.stringify(this.trades()));
    }
    const refundMatch = /^\/_simulator\/wechatpay\/trades\/([^/]+)\/refund-notify$/.exec(path);
    if (refundMatch !== null && req.method === 'POST') {
      try {
        return this.send(res, 200, JSON.stringify(await this.notifyLatestRefund(decodeURIComponent(refundMatch[1]))));
      } catch (error) {
        if (!(error instanceof SimulatorError)) throw error;
        const status = error.code === 'SIMULATOR_TRADE_NOT_FOUND' ? 404 : 502;
        return this.send(res, status, JSON.stringify({ error: error.message, code: error.code }));
      }
    }
    const match = CONTROL_TRADE.exec(path);
    if (match === null || req.method !== 'POST') {
      return this.send(res, 404, JSON.stringify({ error: `no route ${req.method ?? ''} ${path}` }));
    }
    const text = await this.readBody(req);
    let options: WechatPayPayOptions;
    try {
      options = text.trim() === '' ? {} : (JSON.parse(text) as WechatPayPayOptions);
    } catch {
      return this.send(res, 400, JSON.stringify({ error: 'body must be JSON pay options' }));
    }
    try {
      const outTradeNo = decodeURIComponent(match[1]);
      const result = match[2] === 'pay' ? await this.pay(outTradeNo, options) : this.markPaidWithoutNotify(outTradeNo);
      return this.send(res, 200, JSON.stringify(result));
    } catch (error) {
      if (error instanceof SimulatorError) {
        const code = error.code;
        const status =
          code === 'SIMULATOR_TRADE_NOT_FOUND'
            ? 404
            : code === 'SIMULATOR_TRADE_CLOSED'
              ? 409
              : code === 'SIMULATOR_KEY_INVALID'
                ? 400
                : 502;
        return this.send(res, status, JSON.stringify({ error: error.message, code }));
      }
      throw error;
    }
  }

  /** Every API answer is signed, errors included: Wechatpay-Timestamp/-Nonce/-Serial/-Signature over the raw body. */
  private answer(
    res: ServerResponse,
    first: number | ApiError | [number, Record<string, unknown>],
    json?: Record<string, unknown>,
  ): void {
    let status: number;
    let payload: Record<string, unknown> | undefined;
    if (typeof first === 'number') {
      status = first;
      payload = json;
    } else if (Array.isArray(first)) {
      [status, payload] = first;
    } else {
      status = first.status;
      payload = { code: first.code, message: first.message };
    }
    const body = payload === undefined ? '' : JSON.stringify(payload);
    const timestamp = String(Math.floor(this.now().getTime() / 1000));
    const nonce = randomAlphanumeric(32);
    const headers: Record<string, string | number> = {
      'request-id': `08${digits(8)}-${randomAlphanumeric(8)}`,
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-serial': this.options.platformSerial,
      'wechatpay-signature': sign(messageText(timestamp, nonce, body), this.platformPrivateKey),
      'content-length': Buffer.byteLength(body),
    };
    if (body !== '') headers['content-type'] = 'application/json; charset=utf-8';
    res.writeHead(status, headers);
    res.end(body);
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

  private send(res: ServerResponse, status: number, body: string): void {
    res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
    res.end(body);
  }
}

function tamper(body: string, edits: WechatPayTamper | undefined): string {
  if (edits === undefined) return body;
  let text = body;
  for (const [from, to] of Object.entries(edits.replace ?? {})) text = text.split(from).join(to);
  if (edits.reserialize === true) text = JSON.stringify(JSON.parse(text), null, 2);
  return text;
}
