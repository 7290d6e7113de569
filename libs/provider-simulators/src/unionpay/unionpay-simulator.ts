import { type KeyObject, X509Certificate, randomInt } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimulatorHttp } from '../http-server';
import { SimulatorError } from '../simulator-error';
import { type IssuedCertificate, makeExpiredLeaf, makeForeignCaLeaf, makeWrongCnLeaf } from './unionpay-certs';
import { acpAnswerText, acpSign, acpVerify, loadAcpPrivateKey } from './unionpay-signature';

/** Which signing certificate a notification carries: the real leaf, or one the verifier must refuse. */
export type UnionPayLeafVariant = 'valid' | 'wrong-cn' | 'expired' | 'foreign-ca';

/** A signing certificate and its key, as the simulator holds them. */
export interface UnionPaySigningLeaf {
  readonly certPem: string;
  readonly privateKey: string | KeyObject;
}

/** How to run a fake UnionPay gateway for one merchant. */
export interface UnionPaySimulatorOptions {
  readonly merId: string;
  /** The merchant's signing certificate (PEM): verifies our requests; its decimal serial must be their certId. */
  readonly merchantCert: string;
  /** UnionPay's signing leaf (sent as signPubKeyCert) and its private key. */
  readonly signCert: string;
  readonly signKey: string | KeyObject;
  /**
   * The middle CA (certificate and key) that issued signCert: lets the simulator mint 'wrong-cn' and 'expired'
   * leaves on demand. Alternatively pass ready-made `leafVariants`.
   */
  readonly middle?: IssuedCertificate;
  /** The root CA (with key): names the self-made CA of 'foreign-ca' leaves after it. */
  readonly root?: IssuedCertificate;
  readonly leafVariants?: Partial<Record<Exclude<UnionPayLeafVariant, 'valid'>, UnionPaySigningLeaf>>;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  readonly now?: () => Date;
  /** How far txnTime may be from the simulator's clock (default 15 minutes). */
  readonly maxClockSkewMs?: number;
  /** How long an accepted refund stays processing before it succeeds and is notified (default 200 ms). */
  readonly refundDelayMs?: number;
}

/** A refund (backTransReq.do txnType 04) the simulator knows, as the control API lists it. */
export interface UnionPaySimulatedRefund {
  readonly orderId: string;
  readonly txnTime: string;
  readonly origQryId: string;
  readonly txnAmt: string;
  readonly backUrl: string;
  readonly queryId: string;
  status: 'processing' | 'succeeded';
}

/** paid: origRespCode 00; processing: 05; failed: another code; unpaid: known from the form, not found by query. */
export type UnionPayTradeStatus = 'unpaid' | 'processing' | 'paid' | 'failed';

/** A consume the simulator knows, as the control API lists it. */
export interface UnionPaySimulatedTrade {
  readonly orderId: string;
  readonly txnTime: string;
  readonly txnAmt: string;
  readonly currencyCode: string;
  readonly backUrl: string;
  readonly frontUrl: string | undefined;
  readonly reqReserved: string | undefined;
  readonly payTimeout: string | undefined;
  readonly channelType: string;
  readonly queryId: string;
  status: UnionPayTradeStatus;
  origRespCode: string | undefined;
  traceNo: string | undefined;
  traceTime: string | undefined;
  settleDate: string | undefined;
}

/** What `pay` does; the defaults send one honest respCode 00 notification. */
export interface UnionPayPayOptions {
  /** Sequential deliveries of the same notification (retries keep queryId). Default 1. */
  readonly times?: number;
  /** Parallel deliveries per round. Default 1. */
  readonly concurrent?: number;
  /** Another txnAmt (fen string), validly signed. */
  readonly amount?: string;
  /** Fields changed AFTER signing: the signature no longer matches. */
  readonly tamper?: Readonly<Record<string, string>>;
  /** Which signing certificate to sign with and include. Default 'valid'. */
  readonly leaf?: UnionPayLeafVariant;
  readonly merId?: string;
  /** Announce another orderId. */
  readonly orderId?: string;
  /** respCode of the notification (default 00); a code other than 00/A6 marks the trade failed. */
  readonly respCode?: string;
  /**
   * Another payment of the same order: a new queryId (and trace numbers), validly signed. The buyer paid twice,
   * or the money arrived after the merchant gave the order up; the recorded trade stays as it is.
   */
  readonly newTransaction?: boolean;
}

/** Our service's answer to one notification delivery. */
export interface UnionPayNotificationDelivery {
  readonly status: number;
  readonly body: string;
}

/** The last answer, every answer, and the notification as sent. */
export interface UnionPayPayResult extends UnionPayNotificationDelivery {
  readonly deliveries: readonly UnionPayNotificationDelivery[];
  readonly notification: Readonly<Record<string, string>>;
}

interface Refusal {
  readonly refused: true;
  readonly respCode: string;
  readonly respMsg: string;
}

const MAX_BODY_BYTES = 1024 * 1024;
const CHINA_OFFSET_MS = 8 * 3600 * 1000;
const ORDER_ID = /^[A-Za-z0-9]{8,40}$/;
const TXN_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})$/;
const SUCCESS = new Set(['00', 'A6']);
const RESP_MSG: Record<string, string> = {
  '00': '成功[0000000]',
  A6: '部分成功[0000000]',
  '03': '交易通讯超时，请发起查询交易',
  '04': '交易状态未明，请查询对账结果',
  '05': '交易已受理，请稍后查询交易结果',
  '10': '报文格式错误',
  '11': '验证签名失败',
  '12': '重复交易',
  '13': '报文交易要素缺失',
  '34': '查无此交易',
};

const refuse = (respCode: string, detail?: string): Refusal => ({
  refused: true,
  respCode,
  respMsg: `${RESP_MSG[respCode] ?? '交易失败'}${detail === undefined ? '' : `: ${detail}`}`,
});

function chinaTime(instant: Date): string {
  return new Date(instant.getTime() + CHINA_OFFSET_MS).toISOString().slice(0, 19).replace(/[-T:]/g, '');
}

function digits(count: number): string {
  let text = '';
  while (text.length < count) text += String(randomInt(0, 1_000_000_000)).padStart(9, '0');
  return text.slice(0, count);
}

/** A queryId in UnionPay's shape: the order's txnTime without the century, then 9 digits. */
function queryNumber(txnTime: string): string {
  return `${txnTime.slice(2)}${digits(9)}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const serialDecimal = (pem: string): string => BigInt(`0x${new X509Certificate(pem).serialNumber}`).toString(10);

function plainUrl(text: string | undefined): boolean {
  if (!text) return false;
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.search === '' && url.hash === '';
  } catch {
    return false;
  }
}

/**
 * A faithful fake UnionPay online gateway (ACP 5.1.0, signMethod 01) on 127.0.0.1: verifies the consume form
 * posted to /frontTransReq.do with the merchant certificate, answers /queryTrans.do with a signed k=v form, and
 * sends signed back notifications (signPubKeyCert included) on demand, via `pay` or its control API.
 */
export class UnionPaySimulator {
  private readonly merchantKey: KeyObject;
  private readonly merchantCertId: string;
  private readonly leaves = new Map<UnionPayLeafVariant, Promise<{ certPem: string; key: KeyObject }>>();
  private readonly now: () => Date;
  private readonly maxClockSkewMs: number;
  private readonly tradeMap = new Map<string, UnionPaySimulatedTrade>();
  /** Every paid consume by queryId, a second payment of an order included: what a refund's origQryId names. */
  private readonly byQueryId = new Map<string, UnionPaySimulatedTrade>();
  private readonly refundMap = new Map<string, UnionPaySimulatedRefund>();
  private readonly http: SimulatorHttp;

  constructor(private readonly options: UnionPaySimulatorOptions) {
    this.http = new SimulatorHttp(
      'UnionPaySimulator',
      (req, res) => this.handle(req, res),
      (res, message) => this.send(res, 500, 'application/json', JSON.stringify({ error: message })),
      options.port,
      options.host,
    );
    if (!options.merId) throw new SimulatorError('SIMULATOR_CONFIG_INVALID', 'UnionPaySimulator needs merId');
    try {
      const merchant = new X509Certificate(options.merchantCert.replace(/\\n/g, '\n'));
      this.merchantKey = merchant.publicKey;
      this.merchantCertId = serialDecimal(merchant.toString());
      new X509Certificate(options.signCert.replace(/\\n/g, '\n'));
    } catch {
      throw new SimulatorError('SIMULATOR_KEY_INVALID', 'merchantCert and signCert must be PEM X.509 certificates');
    }
    const signKey = loadAcpPrivateKey(options.signKey, 'UnionPay signing key');
    this.leaves.set('valid', Promise.resolve({ certPem: options.signCert.replace(/\\n/g, '\n'), key: signKey }));
    for (const [variant, leaf] of Object.entries(options.leafVariants ?? {})) {
      this.leaves.set(
        variant as UnionPayLeafVariant,
        Promise.resolve({ certPem: leaf.certPem, key: loadAcpPrivateKey(leaf.privateKey, `${variant} leaf key`) }),
      );
    }
    this.now = options.now ?? (() => new Date());
    this.maxClockSkewMs = options.maxClockSkewMs ?? 15 * 60 * 1000;
  }

  /** Starts listening and returns the base URL, which is also what a merchant configures as gatewayUrl. */
  start(): Promise<string> {
    return this.http.start();
  }

  /** Stops listening and drops open connections. */
  stop(): Promise<void> {
    return this.http.stop();
  }

  /** The base URL (gatewayUrl); throws before `start`. */
  get baseUrl(): string {
    return this.http.baseUrl;
  }

  /** Every trade recorded so far, oldest first (copies). */
  trades(): UnionPaySimulatedTrade[] {
    return [...this.tradeMap.values()].map((trade) => ({ ...trade }));
  }

  /** One trade by orderId, or undefined. */
  trade(orderId: string): UnionPaySimulatedTrade | undefined {
    const trade = this.tradeMap.get(orderId);
    return trade === undefined ? undefined : { ...trade };
  }

  /** The buyer paid but the notification is lost: only a query will tell. */
  markPaidWithoutNotify(orderId: string): UnionPaySimulatedTrade {
    const trade = this.requireTrade(orderId);
    this.settle(trade, '00');
    return { ...trade };
  }

  /** The consume is still being processed (query answers origRespCode 05). */
  markProcessing(orderId: string): UnionPaySimulatedTrade {
    const trade = this.requireTrade(orderId);
    trade.status = 'processing';
    trade.origRespCode = '05';
    return { ...trade };
  }

  /**
   * Lets the buyer pay a recorded trade and delivers the signed back notification to its backUrl, as often and as
   * concurrently as asked. queryId is fixed per trade, so every delivery is a retry of the same notification.
   */
  async pay(orderId: string, options: UnionPayPayOptions = {}): Promise<UnionPayPayResult> {
    const recorded = this.requireTrade(orderId);
    const respCode = options.respCode ?? '00';
    // Another payment is a consume of its own: the recorded trade keeps its state and ids.
    const trade: UnionPaySimulatedTrade =
      options.newTransaction === true
        ? {
            ...recorded,
            queryId: queryNumber(recorded.txnTime),
            status: 'unpaid',
            origRespCode: undefined,
            traceNo: undefined,
            traceTime: undefined,
            settleDate: undefined,
          }
        : recorded;
    this.settle(trade, respCode);
    const leaf = await this.leaf(options.leaf ?? 'valid');
    const fields: Record<string, string> = {
      accessType: '0',
      bizType: '000201',
      certId: serialDecimal(leaf.certPem),
      currencyCode: trade.currencyCode,
      encoding: 'UTF-8',
      merId: options.merId ?? this.options.merId,
      orderId: options.orderId ?? trade.orderId,
      queryId: trade.queryId,
      respCode,
      respMsg: RESP_MSG[respCode] ?? '交易失败',
      settleAmt: options.amount ?? trade.txnAmt,
      settleCurrencyCode: trade.currencyCode,
      settleDate: trade.settleDate ?? '',
      signMethod: '01',
      signPubKeyCert: leaf.certPem,
      traceNo: trade.traceNo ?? '',
      traceTime: trade.traceTime ?? '',
      txnAmt: options.amount ?? trade.txnAmt,
      txnSubType: '01',
      txnTime: trade.txnTime,
      txnType: '01',
      version: '5.1.0',
    };
    if (trade.reqReserved !== undefined) fields.reqReserved = trade.reqReserved;
    for (const key of Object.keys(fields)) if (fields[key] === '') delete fields[key];
    fields.signature = acpSign(fields, leaf.key);
    const notification = { ...fields, ...options.tamper };
    const deliveries: UnionPayNotificationDelivery[] = [];
    const rounds = Math.max(1, options.times ?? 1);
    const parallel = Math.max(1, options.concurrent ?? 1);
    for (let round = 0; round < rounds; round++) {
      const answers = await Promise.all(
        Array.from({ length: parallel }, () => this.postNotification(trade.backUrl, notification)),
      );
      deliveries.push(...answers);
    }
    const last = deliveries[deliveries.length - 1];
    return { status: last.status, body: last.body, deliveries, notification };
  }

  /** POSTs notification fields as application/x-www-form-urlencoded, as UnionPay does, and returns the answer. */
  async postNotification(url: string, fields: Readonly<Record<string, string>>): Promise<UnionPayNotificationDelivery> {
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: new URLSearchParams(fields).toString(),
        signal: AbortSignal.timeout(10_000),
      });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'unknown error';
      throw new SimulatorError('SIMULATOR_DELIVERY_FAILED', `Notification to ${url} failed: ${reason}`);
    }
  }

  private requireTrade(orderId: string): UnionPaySimulatedTrade {
    const trade = this.tradeMap.get(orderId);
    if (trade === undefined) {
      throw new SimulatorError('SIMULATOR_TRADE_NOT_FOUND', `No trade with orderId ${JSON.stringify(orderId)}`);
    }
    return trade;
  }

  private settle(trade: UnionPaySimulatedTrade, respCode: string): void {
    this.byQueryId.set(trade.queryId, trade);
    if (trade.status === 'paid') return; // a paid consume stays paid; retries repeat its notification
    const now = chinaTime(this.now());
    trade.status = SUCCESS.has(respCode) ? 'paid' : 'failed';
    trade.origRespCode = respCode;
    trade.traceNo ??= digits(6);
    trade.traceTime ??= now.slice(4, 14);
    trade.settleDate ??= now.slice(4, 8);
  }

  private leaf(variant: UnionPayLeafVariant): Promise<{ certPem: string; key: KeyObject }> {
    let leaf = this.leaves.get(variant);
    if (leaf === undefined) {
      const middle = this.options.middle;
      const root = this.options.root;
      const mint =
        variant === 'wrong-cn' && middle !== undefined
          ? makeWrongCnLeaf({ middle })
          : variant === 'expired' && middle !== undefined
            ? makeExpiredLeaf({ middle })
            : variant === 'foreign-ca' && middle !== undefined && root !== undefined
              ? makeForeignCaLeaf({ root, middle })
              : undefined;
      if (mint === undefined) {
        return Promise.reject(
          new SimulatorError(
            'SIMULATOR_CONFIG_INVALID',
            `Leaf variant ${variant} needs leafVariants.${variant} or the middle (and root) CA with keys`,
          ),
        );
      }
      leaf = mint.then((issued) => ({ certPem: issued.certPem, key: issued.privateKey }));
      leaf.catch(() => this.leaves.delete(variant));
      this.leaves.set(variant, leaf);
    }
    return leaf;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname;
    if (path === '/backTransReq.do' && req.method === 'POST') {
      const text = await this.readBody(req);
      const isForm = (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
      return this.refund(this.parseForm(isForm ? text : undefined), res);
    }
    if ((path === '/frontTransReq.do' || path === '/queryTrans.do') && req.method === 'POST') {
      const text = await this.readBody(req);
      const isForm = (req.headers['content-type'] ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded');
      const form = this.parseForm(isForm ? text : undefined);
      return path === '/frontTransReq.do' ? this.consume(form, res) : this.query(form, res);
    }
    if (path === '/_simulator/unionpay/trades' && req.method === 'GET') {
      return this.send(res, 200, 'application/json', JSON.stringify(this.trades()));
    }
    const refundMatch = /^\/_simulator\/unionpay\/trades\/([^/]+)\/refund-notify$/.exec(path);
    if (refundMatch !== null && req.method === 'POST') {
      try {
        const result = await this.notifyLatestRefund(decodeURIComponent(refundMatch[1]));
        return this.send(res, 200, 'application/json', JSON.stringify(result));
      } catch (error) {
        if (!(error instanceof SimulatorError)) throw error;
        const status = error.code === 'SIMULATOR_TRADE_NOT_FOUND' ? 404 : 502;
        return this.send(res, status, 'application/json', JSON.stringify({ error: error.message, code: error.code }));
      }
    }
    const match = /^\/_simulator\/unionpay\/trades\/([^/]+)\/(pay|mark-paid)$/.exec(path);
    if (match !== null && req.method === 'POST') {
      const text = await this.readBody(req);
      let options: UnionPayPayOptions;
      try {
        options = text.trim() === '' ? {} : (JSON.parse(text) as UnionPayPayOptions);
      } catch {
        return this.send(res, 400, 'application/json', JSON.stringify({ error: 'body must be JSON pay options' }));
      }
      try {
        const orderId = decodeURIComponent(match[1]);
        const result = match[2] === 'pay' ? await this.pay(orderId, options) : this.markPaidWithoutNotify(orderId);
        return this.send(res, 200, 'application/json', JSON.stringify(result));
      } catch (error) {
        if (error instanceof SimulatorError) {
          const status =
            error.code === 'SIMULATOR_TRADE_NOT_FOUND' ? 404 : error.code === 'SIMULATOR_DELIVERY_FAILED' ? 502 : 400;
          return this.send(res, status, 'application/json', JSON.stringify({ error: error.message, code: error.code }));
        }
        throw error;
      }
    }
    this.send(res, 404, 'application/json', JSON.stringify({ error: `no route ${req.method} ${path}` }));
  }

  private parseForm(text: string | undefined): Record<string, string> | Refusal {
    if (text === undefined) return refuse('10', 'Content-Type must be application/x-www-form-urlencoded');
    const fields: Record<string, string> = {};
    for (const [key, value] of new URLSearchParams(text)) {
      if (Object.hasOwn(fields, key)) return refuse('10', `参数重复: ${key}`);
      fields[key] = value;
    }
    return fields;
  }

  /** The checks every merchant request passes: versions, merchant, certId, signature, txnTime window. */
  private checkCommon(fields: Record<string, string>, txnType: string, txnSubType = txnType): Refusal | undefined {
    for (const name of ['version', 'encoding', 'signMethod', 'txnType', 'txnSubType', 'bizType', 'accessType']) {
      if (!fields[name]) return refuse('13', name);
    }
    for (const name of ['merId', 'orderId', 'txnTime', 'certId', 'signature']) {
      if (!fields[name]) return refuse('13', name);
    }
    if (fields.version !== '5.1.0') return refuse('10', 'version 必须为 5.1.0');
    if (fields.encoding.toUpperCase() !== 'UTF-8') return refuse('10', 'encoding 必须为 UTF-8');
    if (fields.signMethod !== '01') return refuse('10', 'signMethod 必须为 01');
    if (fields.txnType !== txnType || fields.txnSubType !== txnSubType) return refuse('10', 'txnType/txnSubType');
    if (fields.bizType !== '000201') return refuse('10', 'bizType 必须为 000201');
    if (fields.accessType !== '0') return refuse('10', 'accessType 必须为 0');
    if (fields.merId !== this.options.merId) return refuse('10', '商户号错误');
    if (fields.certId !== this.merchantCertId) return refuse('11', 'certId 与商户证书不符');
    if (!acpVerify(fields, this.merchantKey)) return refuse('11');
    if (!ORDER_ID.test(fields.orderId)) return refuse('10', 'orderId 必须为 8-40 位字母或数字');
    if (!TXN_TIME.test(fields.txnTime)) return refuse('10', 'txnTime 格式 yyyyMMddHHmmss');
    return undefined;
  }

  private consume(form: Record<string, string> | Refusal, res: ServerResponse): void {
    const refusal = this.isRefusal(form) ? form : this.checkConsume(form);
    if (refusal !== undefined) return this.errorPage(res, refusal);
    const fields = form as Record<string, string>;
    const existing = this.tradeMap.get(fields.orderId);
    if (existing !== undefined && (existing.status === 'paid' || existing.txnTime !== fields.txnTime)) {
      return this.errorPage(res, refuse('12', 'orderId 已使用'));
    }
    const trade: UnionPaySimulatedTrade = existing ?? {
      orderId: fields.orderId,
      txnTime: fields.txnTime,
      txnAmt: fields.txnAmt,
      currencyCode: fields.currencyCode,
      backUrl: fields.backUrl,
      frontUrl: fields.frontUrl,
      reqReserved: fields.reqReserved,
      payTimeout: fields.payTimeout,
      channelType: fields.channelType,
      queryId: queryNumber(fields.txnTime),
      status: 'unpaid',
      origRespCode: undefined,
      traceNo: undefined,
      traceTime: undefined,
      settleDate: undefined,
    };
    if (existing !== undefined && existing.txnAmt !== fields.txnAmt) {
      return this.errorPage(res, refuse('12', '同一笔交易的金额不能变更'));
    }
    this.tradeMap.set(trade.orderId, trade);
    const html =
      `<!doctype html><html><head><meta charset="utf-8"><title>银联在线支付 - 收银台 (simulator)</title></head><body>` +
      `<main data-order-id="${escapeHtml(trade.orderId)}" data-query-id="${trade.queryId}">` +
      `<h1>${escapeHtml(trade.reqReserved ?? trade.orderId)}</h1><p>¥ ${(Number(trade.txnAmt) / 100).toFixed(2)}</p>` +
      `<p>POST /_simulator/unionpay/trades/${escapeHtml(trade.orderId)}/pay to pay this order.</p>` +
      `</main></body></html>`;
    this.send(res, 200, 'text/html;charset=UTF-8', html);
  }

  private checkConsume(fields: Record<string, string>): Refusal | undefined {
    const common = this.checkCommon(fields, '01');
    if (common !== undefined) return common;
    if (!this.timeAccepted(fields.txnTime)) return refuse('10', 'txnTime 与当前时间相差过大');
    if (fields.channelType !== '07' && fields.channelType !== '08') return refuse('10', 'channelType 必须为 07 或 08');
    if (!/^[1-9]\d{0,11}$/.test(fields.txnAmt ?? '')) return refuse('10', 'txnAmt 必须为分为单位的整数');
    if (fields.currencyCode !== '156') return refuse('10', 'currencyCode 必须为 156');
    if (!plainUrl(fields.backUrl)) return refuse('10', 'backUrl 必须为不带参数的 http(s) 地址');
    if (fields.frontUrl !== undefined && !plainUrl(fields.frontUrl)) return refuse('10', 'frontUrl');
    if (fields.payTimeout !== undefined) {
      if (!TXN_TIME.test(fields.payTimeout) || fields.payTimeout <= chinaTime(this.now())) {
        return refuse('10', 'payTimeout 必须为将来的 yyyyMMddHHmmss');
      }
    }
    return undefined;
  }

  /** Every refund so far, oldest first (copies). */
  refunds(): UnionPaySimulatedRefund[] {
    return [...this.refundMap.values()].map((r) => ({ ...r }));
  }

  /**
   * backTransReq.do txnType 04: accepts a refund of a paid consume (origQryId), once per orderId + txnTime, never
   * above what is left of it; `refundDelayMs` later it succeeds and the back notification (txnType 04) is sent.
   */
  private async refund(form: Record<string, string> | Refusal, res: ServerResponse): Promise<void> {
    const fields = this.isRefusal(form) ? {} : form;
    let refusal = this.isRefusal(form) ? form : this.checkCommon(form, '04', '00');
    let refund: UnionPaySimulatedRefund | undefined;
    if (refusal === undefined) {
      const original = this.byQueryId.get(fields.origQryId ?? '');
      const earlier = this.refundMap.get(fields.orderId);
      if (!/^[1-9]\d{0,11}$/.test(fields.txnAmt ?? '')) refusal = refuse('10', 'txnAmt 必须为分为单位的整数');
      else if (!plainUrl(fields.backUrl)) refusal = refuse('10', 'backUrl 必须为不带参数的 http(s) 地址');
      else if (original === undefined || original.status !== 'paid') refusal = refuse('35', '原交易不存在或状态不正确');
      else if (earlier !== undefined) {
        if (
          earlier.txnTime !== fields.txnTime ||
          earlier.origQryId !== fields.origQryId ||
          earlier.txnAmt !== fields.txnAmt
        ) {
          refusal = refuse('12', 'orderId 已使用');
        } else refund = earlier;
      } else {
        const refunded = [...this.refundMap.values()]
          .filter((r) => r.origQryId === original.queryId)
          .reduce((sum, r) => sum + Number(r.txnAmt), 0);
        if (refunded + Number(fields.txnAmt) > Number(original.txnAmt)) refusal = refuse('12', '退货金额超限');
        else {
          refund = {
            orderId: fields.orderId,
            txnTime: fields.txnTime,
            origQryId: original.queryId,
            txnAmt: fields.txnAmt,
            backUrl: fields.backUrl,
            queryId: queryNumber(fields.txnTime),
            status: 'processing',
          };
          this.refundMap.set(refund.orderId, refund);
          const accepted = refund;
          const timer = setTimeout(
            () => void this.completeRefund(accepted).catch(() => undefined),
            this.options.refundDelayMs ?? 200,
          );
          timer.unref();
        }
      }
    }
    const answer: Record<string, string> = {
      version: '5.1.0',
      encoding: 'UTF-8',
      bizType: '000201',
      txnType: '04',
      txnSubType: '00',
      accessType: '0',
      merId: fields.merId ?? '',
      orderId: fields.orderId ?? '',
      txnTime: fields.txnTime ?? '',
      txnAmt: fields.txnAmt ?? '',
      origQryId: fields.origQryId ?? '',
      signMethod: '01',
      respCode: refusal?.respCode ?? '00',
      respMsg: refusal?.respMsg ?? RESP_MSG['00'] ?? '成功',
      queryId: refund?.queryId ?? '',
    };
    for (const key of Object.keys(answer)) if (answer[key] === '') delete answer[key];
    const leaf = await this.leaf('valid');
    answer.certId = serialDecimal(leaf.certPem);
    answer.signPubKeyCert = leaf.certPem;
    answer.signature = acpSign(answer, leaf.key);
    this.send(res, 200, 'text/plain;charset=UTF-8', acpAnswerText(answer));
  }

  private async completeRefund(refund: UnionPaySimulatedRefund): Promise<void> {
    refund.status = 'succeeded';
    await this.notifyRefund(refund);
  }

  /** Sends the back notification of the order's latest finished refund again (UnionPay's retry). */
  async notifyLatestRefund(orderId: string): Promise<{ deliveries: UnionPayNotificationDelivery[] }> {
    const refund = [...this.refundMap.values()]
      .filter((r) => r.status === 'succeeded' && this.byQueryId.get(r.origQryId)?.orderId === orderId)
      .pop();
    if (refund === undefined) {
      throw new SimulatorError('SIMULATOR_TRADE_NOT_FOUND', `No finished refund of ${JSON.stringify(orderId)} yet`);
    }
    return { deliveries: [await this.notifyRefund(refund)] };
  }

  private async notifyRefund(refund: UnionPaySimulatedRefund): Promise<UnionPayNotificationDelivery> {
    const leaf = await this.leaf('valid');
    const now = chinaTime(this.now());
    const fields: Record<string, string> = {
      accessType: '0',
      bizType: '000201',
      certId: serialDecimal(leaf.certPem),
      currencyCode: '156',
      encoding: 'UTF-8',
      merId: this.options.merId,
      orderId: refund.orderId,
      origQryId: refund.origQryId,
      queryId: refund.queryId,
      respCode: '00',
      respMsg: RESP_MSG['00'] ?? '成功',
      settleAmt: refund.txnAmt,
      settleCurrencyCode: '156',
      settleDate: now.slice(4, 8),
      signMethod: '01',
      signPubKeyCert: leaf.certPem,
      traceNo: digits(6),
      traceTime: now.slice(4, 14),
      txnAmt: refund.txnAmt,
      txnSubType: '00',
      txnTime: refund.txnTime,
      txnType: '04',
      version: '5.1.0',
    };
    fields.signature = acpSign(fields, leaf.key);
    return this.postNotification(refund.backUrl, fields);
  }

  private async query(form: Record<string, string> | Refusal, res: ServerResponse): Promise<void> {
    const refusal = this.isRefusal(form) ? form : this.checkCommon(form, '00');
    const fields = this.isRefusal(form) ? {} : form;
    const answer: Record<string, string> = {
      version: '5.1.0',
      encoding: 'UTF-8',
      bizType: '000201',
      txnType: '00',
      txnSubType: '00',
      accessType: '0',
      merId: fields.merId ?? '',
      orderId: fields.orderId ?? '',
      txnTime: fields.txnTime ?? '',
      signMethod: '01',
    };
    const trade = refusal === undefined ? this.tradeMap.get(fields.orderId) : undefined;
    const refund = refusal === undefined && trade === undefined ? this.refundMap.get(fields.orderId) : undefined;
    if (refusal !== undefined) {
      Object.assign(answer, { respCode: refusal.respCode, respMsg: refusal.respMsg });
    } else if (refund !== undefined && refund.txnTime === fields.txnTime) {
      const code = refund.status === 'succeeded' ? '00' : '05';
      Object.assign(answer, {
        respCode: '00',
        respMsg: RESP_MSG['00'],
        origRespCode: code,
        origRespMsg: RESP_MSG[code] ?? '处理中',
        queryId: refund.queryId,
        origQryId: refund.origQryId,
        txnAmt: refund.txnAmt,
        currencyCode: '156',
      });
    } else if (trade === undefined || trade.txnTime !== fields.txnTime || trade.status === 'unpaid') {
      // UnionPay creates the consume only when the buyer submits the cashier page: before that, 34.
      Object.assign(answer, { respCode: '34', respMsg: RESP_MSG['34'] });
    } else {
      Object.assign(answer, {
        respCode: '00',
        respMsg: RESP_MSG['00'],
        origRespCode: trade.origRespCode ?? '05',
        origRespMsg: RESP_MSG[trade.origRespCode ?? '05'] ?? '交易失败',
        queryId: trade.queryId,
        txnAmt: trade.txnAmt,
        currencyCode: trade.currencyCode,
        traceNo: trade.traceNo ?? '',
        traceTime: trade.traceTime ?? '',
        settleAmt: trade.status === 'paid' ? trade.txnAmt : '',
        settleCurrencyCode: trade.status === 'paid' ? trade.currencyCode : '',
        settleDate: trade.settleDate ?? '',
        reqReserved: trade.reqReserved ?? '',
      });
    }
    for (const key of Object.keys(answer)) if (answer[key] === '') delete answer[key];
    const leaf = await this.leaf('valid');
    answer.certId = serialDecimal(leaf.certPem);
    answer.signPubKeyCert = leaf.certPem;
    answer.signature = acpSign(answer, leaf.key);
    this.send(res, 200, 'text/plain;charset=UTF-8', acpAnswerText(answer));
  }

  private isRefusal(value: Record<string, string> | Refusal): value is Refusal {
    return (value as Partial<Refusal>).refused === true;
  }

  private timeAccepted(text: string): boolean {
    const match = TXN_TIME.exec(text);
    if (match === null) return false;
    const [y, mo, d, h, mi, s] = match.slice(1).map(Number) as [number, number, number, number, number, number];
    const instant = Date.UTC(y, mo - 1, d, h, mi, s) - CHINA_OFFSET_MS;
    return Math.abs(instant - this.now().getTime()) <= this.maxClockSkewMs;
  }

  private errorPage(res: ServerResponse, refusal: Refusal): void {
    // Real UnionPay shows its error page with HTTP 200; 400 makes a refused form obvious in tests and tools.
    const html =
      `<!doctype html><html><head><meta charset="utf-8"><title>银联在线支付 - 错误 (simulator)</title></head><body>` +
      `<main data-resp-code="${refusal.respCode}"><h1>${escapeHtml(refusal.respMsg)}</h1></main></body></html>`;
    this.send(res, 400, 'text/html;charset=UTF-8', html);
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
