import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SimulatorHttp } from '../http-server';
import { SimulatorError } from '../simulator-error';
import { type StripeFormObject, type StripeFormValue, StripeFormError, decodeStripeForm } from './stripe-form';
import { randomAlphanumeric } from './stripe-secrets';
import { stripeSignatureHeader } from './stripe-signature';

/** How to run a fake Stripe API for one test-mode account and one webhook endpoint. */
export interface StripeSimulatorOptions {
  /** The account's secret key (sk_test_...): API calls must send `Authorization: Bearer <it>`. */
  readonly secretKey: string;
  /** The webhook endpoint's signing secret (whsec_...). */
  readonly webhookSecret: string;
  /** Where webhooks go (the endpoint's URL); can also be set later through `webhookUrl` or per call. */
  readonly webhookUrl?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly host?: string;
  /** The simulator's clock: created, expires_at, expiry, idempotency window and webhook timestamps. */
  readonly now?: () => Date;
  /** api_version written into events (default: the official client's pinned version at the time of writing). */
  readonly apiVersion?: string;
}

/** The Checkout Session fields the simulator keeps, in Stripe's JSON shape (a subset of the real object). */
export interface StripeCheckoutSessionObject {
  id: string;
  object: 'checkout.session';
  amount_subtotal: number;
  amount_total: number;
  cancel_url: string | null;
  client_reference_id: string | null;
  created: number;
  currency: string;
  customer: null;
  customer_email: string | null;
  expires_at: number;
  livemode: false;
  locale: string | null;
  metadata: Record<string, string>;
  mode: 'payment';
  payment_intent: string | null;
  payment_method_types: string[];
  payment_status: 'paid' | 'unpaid';
  status: 'open' | 'complete' | 'expired';
  success_url: string;
  ui_mode: 'hosted';
  url: string | null;
}

/** A succeeded PaymentIntent, as the simulator creates one when a session is paid. */
export interface StripePaymentIntentObject {
  id: string;
  object: 'payment_intent';
  amount: number;
  amount_capturable: 0;
  amount_received: number;
  capture_method: 'automatic_async';
  created: number;
  currency: string;
  description: string | null;
  latest_charge: string;
  livemode: false;
  metadata: Record<string, string>;
  payment_method_types: string[];
  status: 'succeeded';
}

/** A refund, as POST /v1/refunds answers it (cards refund at once: status succeeded). */
export interface StripeRefundObject {
  id: string;
  object: 'refund';
  amount: number;
  charge: string;
  created: number;
  currency: string;
  metadata: Record<string, string>;
  payment_intent: string;
  reason: string | null;
  status: 'succeeded' | 'pending' | 'failed' | 'canceled';
}

/** The two events Stripe sends when a Checkout payment succeeds. */
export type StripePaidEventType = 'checkout.session.completed' | 'payment_intent.succeeded';

/** How webhooks are sent; every field is optional. */
export interface StripeDeliveryOptions {
  /** Sequential rounds of deliveries (a retry keeps the event id and body, and is re-signed). Default 1. */
  readonly times?: number;
  /** Parallel deliveries of each event per round. Default 1. */
  readonly concurrent?: number;
  /** The t= to sign with, in unix seconds (stale or future timestamps); default the simulator's clock. */
  readonly timestamp?: number;
  /** Edits the raw body AFTER signing: true bumps every amount by one minor unit; a function edits it freely. */
  readonly tamper?: boolean | ((rawBody: string) => string);
  /** Signs with this secret instead of the endpoint's. */
  readonly secret?: string;
  /** Overrides the configured webhook URL for this call. */
  readonly webhookUrl?: string;
}

/** What `pay` does; the defaults send checkout.session.completed then payment_intent.succeeded, once each. */
export interface StripePayOptions extends StripeDeliveryOptions {
  /** Which of the two paid events to send, in this order. Default both. */
  readonly events?: readonly StripePaidEventType[];
  /** Claims another amount (minor units) in the events, validly signed, under fresh event ids. */
  readonly amount?: number;
  /** Sends payment_intent.succeeded before checkout.session.completed. */
  readonly outOfOrder?: boolean;
  /**
   * Another payment of the same order: a new PaymentIntent and fresh event ids, validly signed. The buyer paid
   * twice, or the money arrived after the session expired (allowed on an expired session); the session as
   * recorded stays as it is.
   */
  readonly newTransaction?: boolean;
}

/** One event as sent: its id and type, and the exact body that was signed. */
export interface StripeSentEvent {
  readonly id: string;
  readonly type: string;
  readonly rawBody: string;
}

/** Our service's answer to one webhook delivery. */
export interface StripeWebhookDelivery {
  readonly eventId: string;
  readonly type: string;
  readonly status: number;
  readonly body: string;
}

/** The last answer, every answer, and the events as signed. */
export interface StripeDeliveryResult {
  readonly status: number;
  readonly body: string;
  readonly deliveries: readonly StripeWebhookDelivery[];
  readonly events: readonly StripeSentEvent[];
}

/** `pay`'s result: the deliveries plus the paid session. */
export interface StripePayResult extends StripeDeliveryResult {
  readonly session: StripeCheckoutSessionObject;
}

interface SessionRecord {
  readonly json: StripeCheckoutSessionObject;
  readonly paymentIntentMetadata: Record<string, string>;
  readonly description: string | null;
  /** The first line item's name, for the checkout page. */
  readonly productName: string;
  /** One event per paid type and session: a second `pay` is a retry of the same events. */
  readonly events: Map<string, StripeSentEvent>;
}

interface ApiError {
  readonly type: 'invalid_request_error' | 'idempotency_error' | 'api_error';
  readonly message: string;
  readonly param?: string;
  readonly code?: string;
}

interface ApiAnswer {
  readonly status: number;
  readonly body: unknown;
}

interface StoredAnswer extends ApiAnswer {
  readonly route: string;
  readonly fingerprint: string;
  readonly storedAt: number;
}

const DEFAULT_API_VERSION = '2026-10-28.endive';
const PAID_EVENT_TYPES: readonly StripePaidEventType[] = ['checkout.session.completed', 'payment_intent.succeeded'];
const MAX_BODY_BYTES = 1024 * 1024;
const IDEMPOTENCY_WINDOW_MS = 24 * 3600 * 1000;
const AMOUNT_MAX = 99_999_999;
const CREATE_PARAMS = new Set([
  'mode',
  'line_items',
  'client_reference_id',
  'metadata',
  'payment_intent_data',
  'success_url',
  'cancel_url',
  'expires_at',
  'customer_email',
  'locale',
  'payment_method_types',
  'ui_mode',
  'expand',
]);
const INTENT_DATA_PARAMS = new Set(['metadata', 'description']);
const LINE_ITEM_PARAMS = new Set(['price_data', 'quantity']);
const PRICE_DATA_PARAMS = new Set(['currency', 'unit_amount', 'product_data']);
const PRODUCT_DATA_PARAMS = new Set(['name', 'description']);

const invalid = (message: string, param?: string, code?: string): ApiAnswer => ({
  status: 400,
  body: { error: { type: 'invalid_request_error', message, param, code } satisfies ApiError },
});
const missing = (param: string): ApiAnswer => invalid(`Missing required param: ${param}.`, param, 'parameter_missing');
const unknownParam = (param: string): ApiAnswer =>
  invalid(`Received unknown parameter: ${param}`, param, 'parameter_unknown');
const notFound = (kind: string, id: string, param: string): ApiAnswer => ({
  status: 404,
  body: {
    error: {
      type: 'invalid_request_error',
      message: `No such ${kind}: '${id}'`,
      param,
      code: 'resource_missing',
    } satisfies ApiError,
  },
});

function isFormObject(value: StripeFormValue | undefined): value is StripeFormObject {
  return typeof value === 'object' && !Array.isArray(value);
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/** The default tamper: every amount field one minor unit higher (or a trailing newline if there is none). */
function bumpAmounts(rawBody: string): string {
  const edited = rawBody.replace(
    /("amount(?:_total|_subtotal|_received)?":\s*)(\d+)/g,
    (_all, prefix: string, digits: string) => `${prefix}${Number(digits) + 1}`,
  );
  return edited === rawBody ? `${rawBody}\n` : edited;
}

/**
 * A faithful fake Stripe API on 127.0.0.1 for the official `stripe` client: Checkout Sessions (create with
 * Idempotency-Key semantics, retrieve, expire), PaymentIntents (retrieve), Bearer secret-key authentication, and
 * webhooks signed exactly as Stripe signs them (Stripe-Signature t=,v1=), re-signed on every delivery.
 */
export class StripeSimulator {
  /** Where webhooks go unless a call names another URL. */
  webhookUrl: string | undefined;
  private readonly now: () => Date;
  private readonly apiVersion: string;
  private readonly keyDigest: Buffer;
  private readonly sessionMap = new Map<string, SessionRecord>();
  private readonly intentMap = new Map<string, StripePaymentIntentObject>();
  private readonly refundMap = new Map<string, StripeRefundObject>();
  private readonly idempotency = new Map<string, StoredAnswer>();
  private readonly http: SimulatorHttp;

  constructor(private readonly options: StripeSimulatorOptions) {
    this.http = new SimulatorHttp(
      'StripeSimulator',
      (req, res) => this.handle(req, res),
      (res, message) => this.json(res, 500, { error: { type: 'api_error', message } }),
      options.port,
      options.host,
    );
    // A simulator must never hold a live key: it would accept (and a misrouted client would send) real credentials.
    if (typeof options.secretKey !== 'string' || !/^sk_test_\S+$/.test(options.secretKey)) {
      throw new SimulatorError('SIMULATOR_CONFIG_INVALID', 'StripeSimulator needs a test secret key (sk_test_...)');
    }
    if (typeof options.webhookSecret !== 'string' || !/^whsec_\S+$/.test(options.webhookSecret)) {
      throw new SimulatorError('SIMULATOR_CONFIG_INVALID', 'StripeSimulator needs a webhook secret (whsec_...)');
    }
    this.keyDigest = sha256(options.secretKey);
    this.webhookUrl = options.webhookUrl;
    this.now = options.now ?? (() => new Date());
    this.apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
  }

  /** Starts listening and returns the base URL (what the client takes as apiBaseUrl), e.g. http://127.0.0.1:3103. */
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

  /** Every Checkout Session so far, oldest first (copies, expiry applied). */
  sessions(): StripeCheckoutSessionObject[] {
    return [...this.sessionMap.values()].map((record) => this.snapshot(record));
  }

  /** One session by id (cs_...) or by our order number (client_reference_id; the newest), or undefined. */
  session(idOrOrderNo: string): StripeCheckoutSessionObject | undefined {
    const record = this.lookup(idOrOrderNo);
    return record === undefined ? undefined : this.snapshot(record);
  }

  /** One PaymentIntent by id (copy), or undefined. */
  paymentIntent(id: string): StripePaymentIntentObject | undefined {
    const intent = this.intentMap.get(id);
    return intent === undefined ? undefined : structuredClone(intent);
  }

  /**
   * The buyer pays a session: it becomes complete/paid with a succeeded PaymentIntent, and the paid events are
   * delivered to the webhook URL as often, as concurrently and as (mis)signed as asked.
   */
  async pay(idOrOrderNo: string, options: StripePayOptions = {}): Promise<StripePayResult> {
    const another = options.newTransaction === true;
    const record = another ? this.existing(idOrOrderNo) : this.payable(idOrOrderNo);
    const url = this.deliveryUrl(options);
    const types = options.events ?? PAID_EVENT_TYPES;
    for (const type of types) {
      if (!PAID_EVENT_TYPES.includes(type)) {
        throw new SimulatorError('SIMULATOR_CONFIG_INVALID', `pay sends only ${PAID_EVENT_TYPES.join(' and ')}`);
      }
    }
    const ordered = options.outOfOrder === true ? [...types].reverse() : [...types];
    let events: StripeSentEvent[];
    if (another) {
      // A payment of its own: a new PaymentIntent the session does not point to, and never-seen events.
      const intent = this.newIntent(record);
      const session: StripeCheckoutSessionObject = {
        ...this.snapshot(record),
        status: 'complete',
        payment_status: 'paid',
        payment_intent: intent.id,
        url: null,
      };
      events = ordered.map((type) =>
        this.paidEventOf(structuredClone(session), structuredClone(intent), type, options.amount),
      );
    } else {
      this.markPaid(record);
      events = ordered.map((type) => this.paidEvent(record, type, options.amount));
    }
    const result = await this.deliver(url, events, options);
    return { ...result, session: this.snapshot(record) };
  }

  /** The buyer pays, but no webhook arrives (lost): only an active query finds out. Returns the paid session. */
  markPaidWithoutNotify(idOrOrderNo: string): StripeCheckoutSessionObject {
    const record = this.payable(idOrOrderNo);
    this.markPaid(record);
    return this.snapshot(record);
  }

  /** Sends any event (e.g. charge.refunded) with `object` as data.object, under a fresh event id. */
  async sendEvent(
    type: string,
    object: Readonly<Record<string, unknown>>,
    options: StripeDeliveryOptions = {},
  ): Promise<StripeDeliveryResult> {
    const url = this.deliveryUrl(options);
    return this.deliver(url, [this.buildEvent(type, object)], options);
  }

  /** Signs and POSTs one raw body as Stripe does; exposed for tests that craft bodies by hand. */
  async postWebhook(
    url: string,
    rawBody: string,
    options: Pick<StripeDeliveryOptions, 'timestamp' | 'tamper' | 'secret'> = {},
  ): Promise<{ readonly status: number; readonly body: string }> {
    const timestamp = options.timestamp ?? Math.floor(this.now().getTime() / 1000);
    const signature = stripeSignatureHeader(rawBody, options.secret ?? this.options.webhookSecret, timestamp);
    const tamper = options.tamper;
    const sent =
      tamper === undefined || tamper === false ? rawBody : tamper === true ? bumpAmounts(rawBody) : tamper(rawBody);
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': signature,
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
          'cache-control': 'no-cache',
          accept: '*/*; q=0.5, application/xml',
        },
        body: sent,
        signal: AbortSignal.timeout(10_000),
      });
      return { status: response.status, body: await response.text() };
    } catch (error) {
      const reason = error instanceof Error ? error.message : 'unknown error';
      throw new SimulatorError('SIMULATOR_DELIVERY_FAILED', `Webhook to ${url} failed: ${reason}`);
    }
  }

  private async deliver(
    url: string,
    events: readonly StripeSentEvent[],
    options: StripeDeliveryOptions,
  ): Promise<StripeDeliveryResult> {
    const deliveries: StripeWebhookDelivery[] = [];
    const rounds = Math.max(1, Math.floor(options.times ?? 1));
    const parallel = Math.max(1, Math.floor(options.concurrent ?? 1));
    for (let round = 0; round < rounds; round++) {
      for (const event of events) {
        // Each delivery signs afresh: a retry carries a new t=, as Stripe's do.
        const answers = await Promise.all(
          Array.from({ length: parallel }, () => this.postWebhook(url, event.rawBody, options)),
        );
        deliveries.push(...answers.map((answer) => ({ eventId: event.id, type: event.type, ...answer })));
      }
    }
    const last = deliveries[deliveries.length - 1];
    return { status: last?.status ?? 0, body: last?.body ?? '', deliveries, events };
  }

  private deliveryUrl(options: StripeDeliveryOptions): string {
    const url = options.webhookUrl ?? this.webhookUrl;
    if (url === undefined || !isHttpUrl(url)) {
      throw new SimulatorError('SIMULATOR_DELIVERY_FAILED', 'StripeSimulator has no webhook URL to deliver to');
    }
    return url;
  }

  private existing(idOrOrderNo: string): SessionRecord {
    const record = this.lookup(idOrOrderNo);
    if (record === undefined) {
      throw new SimulatorError(
        'SIMULATOR_TRADE_NOT_FOUND',
        `No Checkout Session with id or client_reference_id ${JSON.stringify(idOrOrderNo)}`,
      );
    }
    return record;
  }

  private payable(idOrOrderNo: string): SessionRecord {
    const record = this.existing(idOrOrderNo);
    this.applyExpiry(record);
    if (record.json.status === 'expired') {
      throw new SimulatorError('SIMULATOR_TRADE_CLOSED', `Checkout Session ${record.json.id} is expired`);
    }
    return record;
  }

  /** A succeeded PaymentIntent for the session's amount, stored so the API serves it. */
  private newIntent(record: SessionRecord): StripePaymentIntentObject {
    const session = record.json;
    const intent: StripePaymentIntentObject = {
      id: `pi_3${randomAlphanumeric(23)}`,
      object: 'payment_intent',
      amount: session.amount_total,
      amount_capturable: 0,
      amount_received: session.amount_total,
      capture_method: 'automatic_async',
      created: Math.floor(this.now().getTime() / 1000),
      currency: session.currency,
      description: record.description,
      latest_charge: `ch_3${randomAlphanumeric(23)}`,
      livemode: false,
      metadata: { ...record.paymentIntentMetadata },
      payment_method_types: ['card'],
      status: 'succeeded',
    };
    this.intentMap.set(intent.id, intent);
    return intent;
  }

  private markPaid(record: SessionRecord): void {
    const session = record.json;
    if (session.payment_status === 'paid') return;
    const intent = this.newIntent(record);
    session.status = 'complete';
    session.payment_status = 'paid';
    session.payment_intent = intent.id;
    session.url = null;
  }

  private paidEvent(record: SessionRecord, type: StripePaidEventType, amount: number | undefined): StripeSentEvent {
    if (amount === undefined) {
      const existing = record.events.get(type);
      if (existing !== undefined) return existing;
    }
    const session = this.snapshot(record);
    const intent = structuredClone(this.intentMap.get(session.payment_intent ?? '')!);
    const event = this.paidEventOf(session, intent, type, amount);
    if (amount === undefined) record.events.set(type, event);
    return event;
  }

  /** A new paid event of `type` about these copies of a session and its intent, claiming `amount` if given. */
  private paidEventOf(
    session: StripeCheckoutSessionObject,
    intent: StripePaymentIntentObject,
    type: StripePaidEventType,
    amount: number | undefined,
  ): StripeSentEvent {
    if (amount !== undefined) {
      session.amount_subtotal = amount;
      session.amount_total = amount;
      intent.amount = amount;
      intent.amount_received = amount;
    }
    return this.buildEvent(type, type === 'checkout.session.completed' ? session : intent);
  }

  private buildEvent(type: string, object: Readonly<Record<string, unknown>> | object): StripeSentEvent {
    const id = `evt_1${randomAlphanumeric(23)}`;
    const event = {
      id,
      object: 'event',
      api_version: this.apiVersion,
      created: Math.floor(this.now().getTime() / 1000),
      data: { object },
      livemode: false,
      pending_webhooks: 1,
      request: { id: null, idempotency_key: null },
      type,
    };
    // Stripe pretty-prints its webhook bodies: a receiver that re-serialises the JSON breaks the signature.
    return { id, type, rawBody: JSON.stringify(event, null, 2) };
  }

  private lookup(idOrOrderNo: string): SessionRecord | undefined {
    const byId = this.sessionMap.get(idOrOrderNo);
    if (byId !== undefined) return byId;
    let newest: SessionRecord | undefined;
    for (const record of this.sessionMap.values()) {
      if (record.json.client_reference_id === idOrOrderNo) newest = record;
    }
    return newest;
  }

  private applyExpiry(record: SessionRecord): void {
    const session = record.json;
    if (session.status === 'open' && this.now().getTime() >= session.expires_at * 1000) {
      session.status = 'expired';
      session.url = null;
    }
  }

  private snapshot(record: SessionRecord): StripeCheckoutSessionObject {
    this.applyExpiry(record);
    return structuredClone(record.json);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://simulator');
    const path = url.pathname;
    if (path.startsWith('/v1/')) return this.api(req, res, url);
    const pageMatch = /^\/pay\/([^/]+)$/.exec(path);
    if (pageMatch !== null && req.method === 'GET') return this.checkoutPage(res, decodeURIComponent(pageMatch[1]));
    if (path === '/_simulator/stripe/sessions' && req.method === 'GET') {
      return this.json(res, 200, this.sessions());
    }
    const refundMatch = /^\/_simulator\/stripe\/sessions\/([^/]+)\/refund-notify$/.exec(path);
    if (refundMatch !== null && req.method === 'POST') {
      try {
        return this.json(res, 200, await this.notifyLatestRefund(decodeURIComponent(refundMatch[1])));
      } catch (error) {
        if (!(error instanceof SimulatorError)) throw error;
        return this.json(res, error.code === 'SIMULATOR_TRADE_NOT_FOUND' ? 404 : 502, {
          error: error.message,
          code: error.code,
        });
      }
    }
    const controlMatch = /^\/_simulator\/stripe\/sessions\/([^/]+)\/(pay|mark-paid)$/.exec(path);
    if (controlMatch !== null && req.method === 'POST') {
      const text = await this.readBody(req);
      return this.control(res, decodeURIComponent(controlMatch[1]), controlMatch[2], text);
    }
    this.json(res, 404, { error: `no route ${req.method} ${path}` });
  }

  private async control(res: ServerResponse, idOrOrderNo: string, action: string, text: string): Promise<void> {
    let options: StripePayOptions;
    try {
      const parsed: unknown = text.trim() === '' ? {} : JSON.parse(text);
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('not an object');
      options = parsed;
      if (options.tamper !== undefined && typeof options.tamper !== 'boolean') throw new Error('tamper');
    } catch {
      return this.json(res, 400, { error: 'body must be a JSON object of pay options (tamper: boolean)' });
    }
    try {
      if (action === 'mark-paid') return this.json(res, 200, this.markPaidWithoutNotify(idOrOrderNo));
      return this.json(res, 200, await this.pay(idOrOrderNo, options));
    } catch (error) {
      if (error instanceof SimulatorError) {
        const status =
          error.code === 'SIMULATOR_TRADE_NOT_FOUND'
            ? 404
            : error.code === 'SIMULATOR_TRADE_CLOSED'
              ? 409
              : error.code === 'SIMULATOR_CONFIG_INVALID'
                ? 400
                : 502;
        return this.json(res, status, { error: error.message, code: error.code });
      }
      throw error;
    }
  }

  private async api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
    const method = req.method ?? 'GET';
    const body = method === 'POST' ? await this.readBody(req) : '';
    const headers: Record<string, string> = { 'request-id': `req_${randomAlphanumeric(14)}` };
    const version = req.headers['stripe-version'];
    headers['stripe-version'] = typeof version === 'string' ? version : this.apiVersion;
    const send = (answer: ApiAnswer, extra: Record<string, string> = {}): void =>
      this.json(res, answer.status, answer.body, { ...headers, ...extra });

    if (!this.authorized(req.headers.authorization)) {
      const message =
        req.headers.authorization === undefined
          ? "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY')."
          : 'Invalid API Key provided.';
      return send({ status: 401, body: { error: { type: 'invalid_request_error', message } } });
    }
    let form: StripeFormObject;
    try {
      form = decodeStripeForm(method === 'POST' ? new URLSearchParams(body) : url.searchParams);
    } catch (error) {
      const param = error instanceof StripeFormError ? error.param : undefined;
      return send(invalid(error instanceof Error ? error.message : 'Invalid parameters', param));
    }
    const route = `${method} ${url.pathname}`;
    const execute = (): ApiAnswer => this.route(method, url.pathname, form);
    if (method !== 'POST') return send(execute());

    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string' || key === '') return send(execute());
    if (key.length > 255) {
      return send(
        invalid('Idempotency-Key must be at most 255 characters long.', undefined, 'idempotency_key_too_long'),
      );
    }
    headers['idempotency-key'] = key;
    const fingerprint = [...new URLSearchParams(body)]
      .map(([k, v]) => `${k}=${v}`)
      .sort()
      .join('&');
    const nowMs = this.now().getTime();
    const stored = this.idempotency.get(key);
    if (stored !== undefined && nowMs - stored.storedAt < IDEMPOTENCY_WINDOW_MS) {
      if (stored.route !== route || stored.fingerprint !== fingerprint) {
        return send({
          status: 400,
          body: {
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            } satisfies ApiError,
          },
        });
      }
      return send(stored, { 'idempotent-replayed': 'true' });
    }
    const answer = execute();
    // As Stripe: only requests that began executing are saved; a refused parameter check can be retried.
    if (answer.status === 200 || answer.status >= 500) {
      this.idempotency.set(key, { ...answer, route, fingerprint, storedAt: nowMs });
    }
    send(answer);
  }

  private route(method: string, path: string, form: StripeFormObject): ApiAnswer {
    if (path === '/v1/checkout/sessions' && method === 'POST') return this.createSession(form);
    const sessionMatch = /^\/v1\/checkout\/sessions\/([^/]+)(\/expire)?$/.exec(path);
    if (sessionMatch !== null) {
      const id = decodeURIComponent(sessionMatch[1]);
      if (sessionMatch[2] === undefined && method === 'GET') return this.retrieveSession(id, form);
      if (sessionMatch[2] !== undefined && method === 'POST') return this.expireSession(id);
    }
    if (path === '/v1/refunds' && method === 'POST') return this.createRefund(form);
    if (path === '/v1/refunds' && method === 'GET') return this.listRefunds(form);
    const refundMatch = /^\/v1\/refunds\/([^/]+)$/.exec(path);
    if (refundMatch !== null && method === 'GET') {
      const id = decodeURIComponent(refundMatch[1]);
      const refund = this.refundMap.get(id);
      return refund === undefined ? notFound('refund', id, 'id') : { status: 200, body: refund };
    }
    const intentMatch = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
    if (intentMatch !== null && method === 'GET') {
      const id = decodeURIComponent(intentMatch[1]);
      const intent = this.intentMap.get(id);
      return intent === undefined ? notFound('payment_intent', id, 'intent') : { status: 200, body: intent };
    }
    return {
      status: 404,
      body: {
        error: {
          type: 'invalid_request_error',
          message: `Unrecognized request URL (${method}: ${path}). This simulator knows checkout sessions and payment intents.`,
        } satisfies ApiError,
      },
    };
  }

  /**
   * POST /v1/refunds {payment_intent, amount?, reason?, metadata?}: refunds a succeeded PaymentIntent in part or
   * in full, never more than it received (amount_too_large / charge_already_refunded as Stripe). Idempotency-Key
   * replays are handled for every POST by the caller of route().
   */
  private createRefund(form: StripeFormObject): ApiAnswer {
    for (const key of Object.keys(form)) {
      if (!['payment_intent', 'amount', 'reason', 'metadata', 'expand'].includes(key)) return unknownParam(key);
    }
    const intentId = form.payment_intent;
    if (typeof intentId !== 'string') return missing('payment_intent');
    const intent = this.intentMap.get(intentId);
    if (intent === undefined) return notFound('payment_intent', intentId, 'payment_intent');
    const refunded = [...this.refundMap.values()]
      .filter((r) => r.payment_intent === intentId && r.status !== 'failed' && r.status !== 'canceled')
      .reduce((sum, r) => sum + r.amount, 0);
    const remaining = intent.amount_received - refunded;
    if (remaining <= 0) {
      return invalid(`Charge ${intent.latest_charge} has already been refunded.`, undefined, 'charge_already_refunded');
    }
    let amount = remaining;
    if (form.amount !== undefined) {
      if (typeof form.amount !== 'string' || !/^[1-9]\d*$/.test(form.amount)) {
        return invalid('Invalid positive integer', 'amount');
      }
      amount = Number(form.amount);
      if (amount > remaining) {
        return invalid(
          `Refund amount (${amount}) is greater than unrefunded amount on charge (${remaining})`,
          'amount',
          'amount_too_large',
        );
      }
    }
    const reason = form.reason;
    if (
      reason !== undefined &&
      (typeof reason !== 'string' || !['duplicate', 'fraudulent', 'requested_by_customer'].includes(reason))
    ) {
      return invalid('Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer', 'reason');
    }
    const parsedMetadata = this.metadata(form.metadata, 'metadata');
    if ('error' in parsedMetadata) return parsedMetadata.error;
    const metadata = parsedMetadata.ok;
    const refund: StripeRefundObject = {
      id: `re_3${randomAlphanumeric(23)}`,
      object: 'refund',
      amount,
      charge: intent.latest_charge,
      created: Math.floor(this.now().getTime() / 1000),
      currency: intent.currency,
      metadata,
      payment_intent: intentId,
      reason: typeof reason === 'string' ? reason : null,
      status: 'succeeded',
    };
    this.refundMap.set(refund.id, refund);
    return { status: 200, body: refund };
  }

  /** GET /v1/refunds?payment_intent=...: the intent's refunds, newest first, as a Stripe list. */
  private listRefunds(form: StripeFormObject): ApiAnswer {
    const intentId = typeof form.payment_intent === 'string' ? form.payment_intent : undefined;
    const data = [...this.refundMap.values()]
      .filter((r) => intentId === undefined || r.payment_intent === intentId)
      .reverse();
    return { status: 200, body: { object: 'list', data, has_more: false, url: '/v1/refunds' } };
  }

  /** Sends refund.updated for the latest refund of the session's PaymentIntent again, as Stripe's retries do. */
  async notifyLatestRefund(idOrOrderNo: string): Promise<StripeDeliveryResult> {
    const intentId = this.existing(idOrOrderNo).json.payment_intent;
    const refund = [...this.refundMap.values()].filter((r) => r.payment_intent === intentId).pop();
    if (refund === undefined) {
      throw new SimulatorError('SIMULATOR_TRADE_NOT_FOUND', `No refund of ${JSON.stringify(idOrOrderNo)} yet`);
    }
    return this.sendEvent('refund.updated', { ...refund });
  }

  /** Every refund made so far, oldest first (copies). */
  refunds(): StripeRefundObject[] {
    return [...this.refundMap.values()].map((r) => structuredClone(r));
  }

  private createSession(form: StripeFormObject): ApiAnswer {
    for (const key of Object.keys(form)) if (!CREATE_PARAMS.has(key)) return unknownParam(key);
    const { mode, line_items: lineItems, success_url: successUrl, cancel_url: cancelUrl } = form;
    if (mode === undefined) return missing('mode');
    if (mode !== 'payment') return invalid('The simulator supports only mode=payment.', 'mode');
    if (form.ui_mode !== undefined && form.ui_mode !== 'hosted') {
      return invalid('The simulator supports only ui_mode=hosted.', 'ui_mode');
    }
    if (!Array.isArray(lineItems) || lineItems.length === 0) return missing('line_items');
    let total = 0;
    let currency: string | undefined;
    let firstName = '';
    for (const [index, item] of lineItems.entries()) {
      const at = `line_items[${index}]`;
      if (!isFormObject(item)) return invalid(`Invalid object`, at);
      for (const key of Object.keys(item)) if (!LINE_ITEM_PARAMS.has(key)) return unknownParam(`${at}[${key}]`);
      const price = item.price_data;
      if (!isFormObject(price))
        return invalid(
          'You must specify either `price` or `price_data` (the simulator: price_data).',
          `${at}[price_data]`,
        );
      for (const key of Object.keys(price)) {
        if (!PRICE_DATA_PARAMS.has(key)) return unknownParam(`${at}[price_data][${key}]`);
      }
      if (typeof price.currency !== 'string' || !/^[a-z]{3}$/.test(price.currency)) {
        return invalid('Invalid currency: must be a lower-case ISO code.', `${at}[price_data][currency]`);
      }
      if (currency !== undefined && price.currency !== currency) {
        return invalid('All line items must have the same currency.', `${at}[price_data][currency]`);
      }
      currency = price.currency;
      if (typeof price.unit_amount !== 'string' || !/^\d{1,12}$/.test(price.unit_amount)) {
        return invalid('Invalid integer: unit_amount', `${at}[price_data][unit_amount]`, 'parameter_invalid_integer');
      }
      const product = price.product_data;
      if (!isFormObject(product)) return missing(`${at}[price_data][product_data]`);
      for (const key of Object.keys(product)) {
        if (!PRODUCT_DATA_PARAMS.has(key)) return unknownParam(`${at}[price_data][product_data][${key}]`);
      }
      if (typeof product.name !== 'string' || product.name.trim() === '') {
        return missing(`${at}[price_data][product_data][name]`);
      }
      if (index === 0) firstName = product.name;
      const quantity = item.quantity;
      if (typeof quantity !== 'string' || !/^[1-9]\d{0,5}$/.test(quantity)) {
        return invalid('Invalid integer: quantity must be at least 1', `${at}[quantity]`, 'parameter_invalid_integer');
      }
      total += Number(price.unit_amount) * Number(quantity);
    }
    if (total > AMOUNT_MAX) {
      return invalid('Amount must be no more than 99999999 (eight digits).', 'line_items', 'amount_too_large');
    }
    if (successUrl === undefined) return missing('success_url');
    if (typeof successUrl !== 'string' || !isHttpUrl(successUrl))
      return invalid('Not a valid URL', 'success_url', 'url_invalid');
    if (cancelUrl !== undefined && (typeof cancelUrl !== 'string' || !isHttpUrl(cancelUrl))) {
      return invalid('Not a valid URL', 'cancel_url', 'url_invalid');
    }
    const reference = form.client_reference_id;
    if (reference !== undefined && (typeof reference !== 'string' || reference.length > 200)) {
      return invalid('client_reference_id must be at most 200 characters.', 'client_reference_id');
    }
    const parsedMetadata = this.metadata(form.metadata, 'metadata');
    if ('error' in parsedMetadata) return parsedMetadata.error;
    const metadata = parsedMetadata.ok;
    let intentMetadata: Record<string, string> = {};
    let description: string | null = null;
    const intentData = form.payment_intent_data;
    if (intentData !== undefined) {
      if (!isFormObject(intentData)) return invalid('Invalid object', 'payment_intent_data');
      for (const key of Object.keys(intentData)) {
        if (!INTENT_DATA_PARAMS.has(key)) return unknownParam(`payment_intent_data[${key}]`);
      }
      const parsed = this.metadata(intentData.metadata, 'payment_intent_data[metadata]');
      if ('error' in parsed) return parsed.error;
      intentMetadata = parsed.ok;
      if (typeof intentData.description === 'string') description = intentData.description;
    }
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    let expiresAt = nowSeconds + 24 * 3600;
    if (form.expires_at !== undefined) {
      if (typeof form.expires_at !== 'string' || !/^\d{1,12}$/.test(form.expires_at)) {
        return invalid('Invalid integer: expires_at', 'expires_at', 'parameter_invalid_integer');
      }
      expiresAt = Number(form.expires_at);
      if (expiresAt < nowSeconds + 30 * 60) {
        return invalid(
          'The `expires_at` timestamp must be at least 30 minutes from Checkout Session creation.',
          'expires_at',
        );
      }
      if (expiresAt > nowSeconds + 24 * 3600) {
        return invalid(
          'The `expires_at` timestamp must be less than 24 hours from Checkout Session creation.',
          'expires_at',
        );
      }
    }
    const id = `cs_test_a1${randomAlphanumeric(56)}`;
    const session: StripeCheckoutSessionObject = {
      id,
      object: 'checkout.session',
      amount_subtotal: total,
      amount_total: total,
      cancel_url: typeof cancelUrl === 'string' ? cancelUrl : null,
      client_reference_id: typeof reference === 'string' ? reference : null,
      created: nowSeconds,
      currency: currency ?? 'usd',
      customer: null,
      customer_email: typeof form.customer_email === 'string' ? form.customer_email : null,
      expires_at: expiresAt,
      livemode: false,
      locale: typeof form.locale === 'string' ? form.locale : null,
      metadata,
      mode: 'payment',
      payment_intent: null,
      payment_method_types: ['card'],
      payment_status: 'unpaid',
      status: 'open',
      success_url: successUrl,
      ui_mode: 'hosted',
      url: `${this.baseUrl}/pay/${id}`,
    };
    this.sessionMap.set(id, {
      json: session,
      paymentIntentMetadata: intentMetadata,
      description,
      productName: firstName,
      events: new Map(),
    });
    return { status: 200, body: session };
  }

  private metadata(
    value: StripeFormValue | undefined,
    param: string,
  ): { readonly ok: Record<string, string> } | { readonly error: ApiAnswer } {
    if (value === undefined) return { ok: {} };
    if (!isFormObject(value)) return { error: invalid('Invalid object', param) };
    const entries = Object.entries(value);
    if (entries.length > 50) return { error: invalid('Metadata can have at most 50 keys.', param) };
    const result: Record<string, string> = {};
    for (const [key, item] of entries) {
      if (typeof item !== 'string') return { error: invalid('Metadata values must be strings.', `${param}[${key}]`) };
      if (key.length > 40 || item.length > 500) {
        return {
          error: invalid('Metadata keys are at most 40 and values at most 500 characters.', `${param}[${key}]`),
        };
      }
      result[key] = item;
    }
    return { ok: result };
  }

  private retrieveSession(id: string, form: StripeFormObject): ApiAnswer {
    const record = this.sessionMap.get(id);
    if (record === undefined) return notFound('checkout.session', id, 'session');
    const session: Record<string, unknown> = { ...this.snapshot(record) };
    const expand = Array.isArray(form.expand) ? form.expand : [];
    if (expand.includes('payment_intent') && typeof session.payment_intent === 'string') {
      session.payment_intent = this.paymentIntent(session.payment_intent) ?? session.payment_intent;
    }
    return { status: 200, body: session };
  }

  private expireSession(id: string): ApiAnswer {
    const record = this.sessionMap.get(id);
    if (record === undefined) return notFound('checkout.session', id, 'session');
    this.applyExpiry(record);
    if (record.json.status !== 'open') {
      return invalid(
        `Only Checkout Sessions with a status of \`open\` can be expired; this one is \`${record.json.status}\`.`,
        'session',
      );
    }
    record.json.status = 'expired';
    record.json.url = null;
    return { status: 200, body: this.snapshot(record) };
  }

  private authorized(header: string | undefined): boolean {
    if (header === undefined) return false;
    let key: string | undefined;
    const bearer = /^Bearer (\S+)$/i.exec(header);
    if (bearer !== null) key = bearer[1];
    const basic = /^Basic (\S+)$/i.exec(header);
    // Stripe also takes the key as the Basic username (curl -u sk_test_...:).
    if (basic !== null) key = Buffer.from(basic[1], 'base64').toString('utf8').replace(/:.*$/s, '');
    // Compared as digests: constant time whatever the lengths.
    return key !== undefined && timingSafeEqual(sha256(key), this.keyDigest);
  }

  private checkoutPage(res: ServerResponse, id: string): void {
    const record = this.sessionMap.get(id);
    if (record === undefined) return this.html(res, 404, '<h1>Checkout Session not found</h1>');
    const session = this.snapshot(record);
    const amount = `${session.amount_total} ${session.currency.toUpperCase()} (minor units)`;
    this.html(
      res,
      200,
      `<main data-session-id="${escapeHtml(session.id)}" data-status="${session.status}">` +
        `<h1>${escapeHtml(record.productName)}</h1><p>${escapeHtml(amount)}</p>` +
        `<p>POST /_simulator/stripe/sessions/${escapeHtml(session.id)}/pay to pay this session.</p></main>`,
    );
  }

  private html(res: ServerResponse, status: number, main: string): void {
    const body = `<!doctype html><html><head><meta charset="utf-8"><title>Stripe Checkout (simulator)</title></head><body>${main}</body></html>`;
    res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(body) });
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

  private json(res: ServerResponse, status: number, value: unknown, headers: Record<string, string> = {}): void {
    const body = JSON.stringify(value);
    res.writeHead(status, {
      ...headers,
      'content-type': 'application/json',
      'content-length': Buffer.byteLength(body),
    });
    res.end(body);
  }
}
