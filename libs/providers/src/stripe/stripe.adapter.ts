import { HttpStatus } from '@nestjs/common';
import { type Money, fromStripeAmount, toStripeAmount } from '@shop/money';
import Stripe from 'stripe';
import { type NotificationRejectReason, NotificationRejectedError } from '../notification-rejected.error';
import type {
  CreatePaymentRequest,
  CreatePaymentResult,
  NotificationInput,
  NotificationKind,
  PaymentProvider,
  PaymentQueryResult,
  ProviderHttpResponse,
  ProviderPaymentReference,
  VerifiedNotification,
} from '../provider';
import { ProviderError } from '../provider-error';
import type { StripeConfig } from './stripe.config';

/**
 * Reasons this adapter needs beyond NotificationRejectReason (requested for notification-rejected.error.ts).
 * STALE_TIMESTAMP: the signed timestamp is outside the tolerance window, in the past (a replay or a very late
 * delivery) or in the future (clock skew).
 */
export type StripeRejectReason = NotificationRejectReason | 'STALE_TIMESTAMP';

/** Which Checkout Session a query or close is about: Stripe cannot look sessions up by our order number. */
export interface StripeSessionRef extends ProviderPaymentReference {
  /** The id createPayment returned (CreatePaymentResult sessionId, cs_...); providerReference works too. */
  readonly sessionId?: string;
}

const PROVIDER = 'stripe';
const JSON_CONTENT_TYPE = 'application/json';
const DEFAULT_API_BASE = 'https://api.stripe.com';
const DEFAULT_TOLERANCE_SECONDS = 300;
// client_reference_id takes up to 200 characters; printable ASCII keeps the idempotency key and URLs simple.
const ORDER_NO = /^[\x21-\x7e]{1,200}$/;
const SESSION_ID = /^cs_[A-Za-z0-9_]{1,250}$/;
const SECRET_KEY = /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/;
const WEBHOOK_SECRET = /^whsec_\S+$/;
// Stripe accepts expires_at 30 minutes to 24 hours after creation.
const MIN_EXPIRY_SECONDS = 30 * 60;
const MAX_EXPIRY_SECONDS = 24 * 3600;
const EXPIRY_UNITS: Readonly<Record<string, number>> = { m: 60, h: 3600, d: 86400 };
const PAID_SESSION_EVENTS = new Set(['checkout.session.completed', 'checkout.session.async_payment_succeeded']);

type JsonObject = Record<string, unknown>;

/**
 * Stripe Checkout as a PaymentProvider, through the official `stripe` package: createPayment opens a hosted
 * Checkout Session, queryPayment / closePayment retrieve and expire it, and verifyNotification checks webhooks
 * with stripe.webhooks.constructEvent. Both paid events of one payment (checkout.session.completed and
 * payment_intent.succeeded) carry the PaymentIntent id as providerTransactionId, so they yield one event id.
 */
export class StripeAdapter implements PaymentProvider {
  readonly name = PROVIDER;
  // Undefined for a verify-only adapter: a service that only receives webhooks should not hold the API key.
  private readonly client: Stripe | undefined;
  // Undefined for an API-only adapter (the payment-gateway): it calls Stripe but never receives webhooks.
  private readonly webhookSecret: string | undefined;
  private readonly toleranceSeconds: number;
  private readonly now: () => Date;
  private readonly returnUrl: string | undefined;
  private readonly resolveSessionId: StripeConfig['resolveSessionId'];

  constructor(config: StripeConfig) {
    const problems: string[] = [];
    // Messages name the rule, never the value: these are secrets.
    if (config.webhookSecret === undefined) {
      if (config.secretKey === undefined) problems.push('webhookSecret or secretKey is required');
    } else if (typeof config.webhookSecret !== 'string' || !WEBHOOK_SECRET.test(config.webhookSecret)) {
      problems.push('webhookSecret must be the endpoint signing secret, whsec_... without whitespace');
    }
    if (config.secretKey !== undefined && !SECRET_KEY.test(config.secretKey)) {
      problems.push('secretKey must be a Stripe secret or restricted key (sk_test_, sk_live_, rk_test_, rk_live_)');
    }
    const tolerance = config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
    // 0 would switch the SDK's own timestamp check off.
    if (!Number.isInteger(tolerance) || tolerance < 1 || tolerance > 86_400) {
      problems.push('toleranceSeconds must be an integer from 1 to 86400');
    }
    const api = parseApiBase(config.apiBaseUrl ?? DEFAULT_API_BASE, problems);
    if (
      api !== undefined &&
      api.protocol === 'http' &&
      config.secretKey !== undefined &&
      /_live_/.test(config.secretKey)
    ) {
      problems.push('a live key must not travel over plain http: apiBaseUrl must be https');
    }
    if (config.returnUrl !== undefined && !isHttpUrl(config.returnUrl)) {
      problems.push('returnUrl must be an absolute http(s) URL');
    }
    if (problems.length > 0) {
      throw new ProviderError(
        'PROVIDER_CONFIG_INVALID',
        `Stripe configuration is invalid: ${problems.join('; ')}`,
        HttpStatus.INTERNAL_SERVER_ERROR,
        { problems },
      );
    }
    this.webhookSecret = config.webhookSecret;
    this.toleranceSeconds = tolerance;
    this.now = config.now ?? (() => new Date());
    this.returnUrl = config.returnUrl;
    this.resolveSessionId = config.resolveSessionId;
    this.client =
      config.secretKey === undefined || api === undefined
        ? undefined
        : new Stripe(config.secretKey, {
            host: api.host,
            port: api.port,
            protocol: api.protocol,
            timeout: config.timeoutMs ?? 10_000,
            maxNetworkRetries: config.maxNetworkRetries ?? 2,
            telemetry: false,
            appInfo: { name: 'shop-payments' },
          });
  }

  /** Opens a hosted Checkout Session (method 'checkout'); the same order and amount always reuse one session. */
  async createPayment(request: CreatePaymentRequest): Promise<CreatePaymentResult> {
    const client = this.requireClient();
    if (request.method !== 'checkout') {
      throw new ProviderError(
        'PROVIDER_METHOD_UNSUPPORTED',
        `Stripe does not support method ${request.method}`,
        HttpStatus.BAD_REQUEST,
      );
    }
    checkOrderNo(request.orderNo);
    if (request.subject.trim() === '') {
      throw new ProviderError('PROVIDER_REQUEST_INVALID', 'subject must not be empty', HttpStatus.BAD_REQUEST);
    }
    let stripeAmount: ReturnType<typeof toStripeAmount>;
    try {
      stripeAmount = toStripeAmount(request.amount);
    } catch (error) {
      throw new ProviderError(
        'PROVIDER_REQUEST_INVALID',
        error instanceof Error ? error.message : 'amount is not a Stripe amount',
        HttpStatus.BAD_REQUEST,
      );
    }
    const returnBase = this.returnBase(request.notifyUrl);
    const orderParam = encodeURIComponent(request.orderNo);
    const params: Stripe.Checkout.SessionCreateParams = {
      mode: 'payment',
      line_items: [
        {
          price_data: {
            currency: stripeAmount.currency,
            unit_amount: stripeAmount.amount,
            product_data: { name: request.subject },
          },
          quantity: 1,
        },
      ],
      client_reference_id: request.orderNo,
      metadata: { orderNo: request.orderNo },
      payment_intent_data: { metadata: { orderNo: request.orderNo } },
      // {CHECKOUT_SESSION_ID} is a template Stripe fills in; it must stay unencoded in our text.
      success_url: `${returnBase}${returnBase.includes('?') ? '&' : '?'}order_no=${orderParam}&session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${returnBase}${returnBase.includes('?') ? '&' : '?'}order_no=${orderParam}&canceled=1`,
    };
    if (request.timeoutExpress !== undefined) {
      params.expires_at = sessionExpiry(Math.floor(this.now().getTime() / 1000), expirySeconds(request.timeoutExpress));
    }
    // Same order, amount and deadline: Stripe replays the first session for 24 h instead of opening a second one.
    // Stripe refuses a key reused with other parameters, so the deadline is part of the key and is rounded (see
    // sessionExpiry): a retry seconds later (after a crash or a timeout) sends the very same request.
    const idempotencyKey =
      `checkout-${request.orderNo}-${stripeAmount.amount}-${stripeAmount.currency}` +
      (params.expires_at === undefined ? '' : `-${params.expires_at}`);
    const session = await this.call('checkout.sessions.create', () =>
      client.checkout.sessions.create(params, { idempotencyKey }),
    );
    if (
      typeof session.id !== 'string' ||
      !SESSION_ID.test(session.id) ||
      typeof session.url !== 'string' ||
      !isHttpUrl(session.url) ||
      session.client_reference_id !== request.orderNo ||
      session.amount_total !== stripeAmount.amount ||
      session.currency !== stripeAmount.currency
    ) {
      throw new ProviderError(
        'PROVIDER_ANSWER_INVALID',
        'Stripe checkout.sessions.create answer lacks id or url, or names another order or amount',
      );
    }
    return { kind: 'checkout', checkoutUrl: session.url, sessionId: session.id };
  }

  /**
   * Asks Stripe for the state of an order's Checkout Session (paid, pending, closed or not-found). Stripe cannot
   * find a session by our order number: pass the sessionId createPayment returned, or configure resolveSessionId.
   */
  async queryPayment(orderNo: string, ref?: StripeSessionRef): Promise<PaymentQueryResult> {
    const session = await this.retrieveOwnSession(orderNo, ref);
    return session === undefined ? { status: 'not-found', providerStatus: 'resource_missing' } : sessionState(session);
  }

  /**
   * Expires the order's open Checkout Session so it can no longer be paid. Resolves when it is expired, was
   * already expired or never existed; a paid session throws PROVIDER_TRADE_PAID (the payment is to be confirmed,
   * not closed), and a completed session whose delayed payment is still settling throws PROVIDER_REJECTED.
   */
  async closePayment(orderNo: string, ref?: StripeSessionRef): Promise<void> {
    const client = this.requireClient();
    // Retrieved first: expiring must only ever touch a session of this order.
    let session = await this.retrieveOwnSession(orderNo, ref);
    if (session === undefined) return;
    if (session.status === 'open') {
      try {
        await client.checkout.sessions.expire(session.id);
        return;
      } catch (error) {
        // Paid or expired between the two calls: Stripe refuses to expire it; settle by what it became.
        if (stripeErrorOf(error)?.statusCode !== 400) throw mapStripeError('checkout.sessions.expire', error);
        session = await this.retrieveOwnSession(orderNo, { sessionId: session.id });
        if (session === undefined) return;
      }
    }
    const state = sessionState(session);
    if (state.status === 'closed') return;
    if (state.status === 'paid') {
      throw new ProviderError(
        'PROVIDER_TRADE_PAID',
        `Stripe Checkout Session of order ${orderNo} is paid and cannot be closed`,
        HttpStatus.CONFLICT,
        { providerTransactionId: state.providerTransactionId, providerStatus: state.providerStatus },
      );
    }
    throw new ProviderError(
      'PROVIDER_REJECTED',
      `Stripe Checkout Session of order ${orderNo} is complete and its payment is still settling`,
      HttpStatus.CONFLICT,
      { providerStatus: state.providerStatus },
    );
  }

  /**
   * Verifies a Stripe webhook: JSON content type, the signed timestamp within the tolerance of `now` (both ways),
   * then the v1 signature with the official stripe.webhooks.constructEvent; and maps the event.
   */
  verifyNotification(input: NotificationInput): VerifiedNotification {
    const mediaType = (input.contentType ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType !== JSON_CONTENT_TYPE) {
      throw this.reject('UNSUPPORTED_CONTENT_TYPE', `Stripe webhooks are ${JSON_CONTENT_TYPE}`);
    }
    if (this.webhookSecret === undefined) {
      throw new ProviderError(
        'PROVIDER_CONFIG_INVALID',
        'This Stripe adapter has no webhook secret: it cannot verify webhooks',
        HttpStatus.INTERNAL_SERVER_ERROR,
      );
    }
    const webhookSecret = this.webhookSecret;
    if (input.rawBody === '') throw this.reject('MALFORMED', 'Stripe webhook body is empty');
    const header = headerValue(input.headers, 'stripe-signature');
    if (header === undefined) throw this.reject('MALFORMED', 'Stripe webhook lacks one Stripe-Signature header');
    const timestamp = signedTimestamp(header);
    if (timestamp === undefined) {
      throw this.reject('MALFORMED', 'Stripe-Signature must carry one t=<unix seconds> and at least one v1=<hex>');
    }
    const nowMs = this.now().getTime();
    const age = Math.floor(nowMs / 1000) - timestamp;
    if (age > this.toleranceSeconds) {
      throw this.reject('STALE_TIMESTAMP', `Stripe webhook was signed more than ${this.toleranceSeconds} s ago`);
    }
    if (-age > this.toleranceSeconds) {
      throw this.reject('STALE_TIMESTAMP', `Stripe webhook is signed more than ${this.toleranceSeconds} s ahead`);
    }
    let parsed: unknown;
    try {
      // receivedAt = our clock, so the SDK's own (past-only) window check agrees with ours.
      parsed = Stripe.webhooks.constructEvent(
        input.rawBody,
        header,
        webhookSecret,
        this.toleranceSeconds,
        undefined,
        nowMs,
      );
    } catch (error) {
      if (stripeErrorOf(error)?.type === 'StripeSignatureVerificationError') {
        // The SDK's message is not passed on: it quotes the header and payload.
        throw this.reject('BAD_SIGNATURE', 'Stripe-Signature does not verify with the webhook secret');
      }
      throw this.reject('MALFORMED', 'Stripe webhook body is not JSON');
    }
    return this.mapEvent(parsed, header, timestamp);
  }

  /** Stripe stops retrying on any 2xx; it ignores the body, this one is what its docs show. */
  ackResponse(): ProviderHttpResponse {
    return { status: 200, contentType: 'application/json', body: '{"received":true}' };
  }

  /** Any non-2xx makes Stripe retry (for up to 3 days); 400 for a refused webhook, 500 for our own failure. */
  rejectResponse(reason: StripeRejectReason | 'INTERNAL_ERROR'): ProviderHttpResponse {
    return {
      status: reason === 'INTERNAL_ERROR' ? 500 : 400,
      contentType: 'application/json',
      body: JSON.stringify({ error: reason }),
    };
  }

  private mapEvent(parsed: unknown, header: string, timestamp: number): VerifiedNotification {
    if (!isObject(parsed) || parsed.object !== 'event') {
      throw this.reject('MALFORMED', 'Stripe webhook body is not an event object');
    }
    const { id, type, created, data } = parsed;
    if (typeof id !== 'string' || !id.startsWith('evt_') || typeof type !== 'string' || type === '') {
      throw this.reject('MALFORMED', 'Stripe event lacks id (evt_...) or type');
    }
    if (!Number.isSafeInteger(created) || !isObject(data) || !isObject(data.object)) {
      throw this.reject('MALFORMED', 'Stripe event lacks created or data.object');
    }
    const object = data.object;
    const fields = eventFields(parsed, object, header, timestamp);
    // No replayKey: Stripe signs no nonce, so two honest deliveries in the same second are byte-identical, and a
    // replayed copy is harmless anyway: the event id dedupes it and the 300 s tolerance bounds it.
    const base = { provider: PROVIDER, notificationKey: id, tradeStatus: type, fields };

    let kind: NotificationKind = 'other';
    if (PAID_SESSION_EVENTS.has(type) && object.object === 'checkout.session' && object.payment_status === 'paid') {
      kind = 'payment-succeeded';
    } else if (type === 'payment_intent.succeeded' && object.object === 'payment_intent') {
      kind = 'payment-succeeded';
    } else if (type === 'checkout.session.expired' && object.object === 'checkout.session') {
      kind = 'payment-closed';
    }
    const orderNo = this.orderNoOf(object);
    // A payment without our order number was not opened by this adapter (another integration on the account):
    // acknowledged and ignored rather than retried for three days.
    if (kind !== 'payment-succeeded' || orderNo === undefined) {
      return {
        ...base,
        kind: kind === 'payment-succeeded' ? 'other' : kind,
        orderNo: orderNo ?? '',
        providerTransactionId: paymentIntentIdOf(object) ?? (typeof object.id === 'string' ? object.id : ''),
        amount: bestEffortAmount(object),
        paidAt: undefined,
      };
    }
    const isSession = object.object === 'checkout.session';
    const providerTransactionId = isSession ? paymentIntentIdOf(object) : object.id;
    if (typeof providerTransactionId !== 'string' || !providerTransactionId.startsWith('pi_')) {
      throw this.reject('MALFORMED', 'Stripe paid event lacks the PaymentIntent id');
    }
    const minor = isSession ? object.amount_total : object.amount_received;
    let amount: Money;
    try {
      amount = fromStripeAmount(minor as number, object.currency as string);
    } catch {
      throw this.reject('MALFORMED', `Stripe ${type} lacks an amount in a supported currency`);
    }
    return {
      ...base,
      kind,
      orderNo,
      providerTransactionId,
      amount,
      paidAt: new Date((created as number) * 1000),
    };
  }

  /** client_reference_id (sessions) or metadata.orderNo (both); undefined when absent; MALFORMED when they differ. */
  private orderNoOf(object: JsonObject): string | undefined {
    const reference = typeof object.client_reference_id === 'string' ? object.client_reference_id : undefined;
    const fromMetadata =
      isObject(object.metadata) && typeof object.metadata.orderNo === 'string' ? object.metadata.orderNo : undefined;
    if (reference !== undefined && fromMetadata !== undefined && reference !== fromMetadata) {
      throw this.reject('MALFORMED', 'Stripe event client_reference_id and metadata.orderNo differ');
    }
    const orderNo = reference ?? fromMetadata;
    return orderNo === '' ? undefined : orderNo;
  }

  private async retrieveOwnSession(
    orderNo: string,
    ref: StripeSessionRef | undefined,
  ): Promise<Stripe.Checkout.Session | undefined> {
    const client = this.requireClient();
    checkOrderNo(orderNo);
    let sessionId = ref?.sessionId ?? ref?.providerReference;
    if (sessionId === undefined) {
      if (this.resolveSessionId === undefined) {
        throw new ProviderError(
          'PROVIDER_REQUEST_INVALID',
          'Stripe cannot look a Checkout Session up by order number: pass its sessionId or configure resolveSessionId',
          HttpStatus.INTERNAL_SERVER_ERROR,
        );
      }
      sessionId = await this.resolveSessionId(orderNo);
      // No session was ever opened for this order.
      if (sessionId === undefined) return undefined;
    }
    if (typeof sessionId !== 'string' || !SESSION_ID.test(sessionId)) {
      throw new ProviderError(
        'PROVIDER_REQUEST_INVALID',
        'sessionId must be a Checkout Session id (cs_...)',
        HttpStatus.BAD_REQUEST,
      );
    }
    let session: Stripe.Checkout.Session;
    try {
      session = await client.checkout.sessions.retrieve(sessionId);
    } catch (error) {
      const stripeError = stripeErrorOf(error);
      if (stripeError?.statusCode === 404 || stripeError?.code === 'resource_missing') return undefined;
      throw mapStripeError('checkout.sessions.retrieve', error);
    }
    const owner = session.client_reference_id ?? session.metadata?.orderNo;
    if (owner !== orderNo) {
      throw new ProviderError(
        'PROVIDER_REQUEST_INVALID',
        'The Checkout Session belongs to another order',
        HttpStatus.BAD_REQUEST,
      );
    }
    return session;
  }

  private async call<T>(operation: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (error) {
      throw mapStripeError(operation, error);
    }
  }

  private requireClient(): Stripe {
    if (this.client === undefined) {
      throw new ProviderError(
        'PROVIDER_CONFIG_INVALID',
        'This Stripe adapter is verify-only: it has no secret key to call the API',
        HttpStatus.INTERNAL_SERVER_ERROR,
      );
    }
    return this.client;
  }

  private returnBase(notifyUrl: string): string {
    if (this.returnUrl !== undefined) return this.returnUrl;
    let origin: string;
    try {
      origin = new URL(notifyUrl).origin;
    } catch {
      origin = 'null';
    }
    if (!origin.startsWith('http')) {
      throw new ProviderError(
        'PROVIDER_REQUEST_INVALID',
        'notifyUrl must be an absolute http(s) URL when no returnUrl is configured',
        HttpStatus.BAD_REQUEST,
      );
    }
    return `${origin}/return`;
  }

  private reject(reason: StripeRejectReason, message: string): NotificationRejectedError {
    // Cast until notification-rejected.error.ts lists STALE_TIMESTAMP (requested).
    return new NotificationRejectedError(PROVIDER, reason, message);
  }
}

/** The state a retrieved or expired session reports. */
function sessionState(session: Stripe.Checkout.Session): PaymentQueryResult {
  const providerStatus = `${session.status ?? 'null'}/${session.payment_status}`;
  if (session.payment_status === 'paid') {
    const providerTransactionId = paymentIntentIdOf(session as unknown as JsonObject);
    let amount: Money;
    try {
      amount = fromStripeAmount(session.amount_total as number, session.currency as string);
    } catch {
      throw new ProviderError('PROVIDER_ANSWER_INVALID', 'Stripe paid session lacks an amount in a supported currency');
    }
    if (providerTransactionId === undefined) {
      throw new ProviderError('PROVIDER_ANSWER_INVALID', 'Stripe paid session lacks its PaymentIntent');
    }
    return { status: 'paid', providerTransactionId, amount, providerStatus };
  }
  // 'complete' but unpaid: a delayed payment method (bank debit) is still settling. Stripe types the status as
  // an open string set, so anything new also counts as pending until it is paid or expired.
  return session.status === 'expired' ? { status: 'closed', providerStatus } : { status: 'pending', providerStatus };
}

function checkOrderNo(orderNo: string): void {
  if (typeof orderNo !== 'string' || !ORDER_NO.test(orderNo)) {
    throw new ProviderError(
      'PROVIDER_REQUEST_INVALID',
      'orderNo must be 1 to 200 printable ASCII characters without spaces (Stripe client_reference_id)',
      HttpStatus.BAD_REQUEST,
    );
  }
}

/** Alipay-style "30m" / "2h" / "1d" as seconds, within Stripe's 30 minutes to 24 hours. */
function expirySeconds(timeoutExpress: string): number {
  const match = /^(\d{1,5})([mhd])$/.exec(timeoutExpress);
  const seconds = match === null ? Number.NaN : Number(match[1]) * EXPIRY_UNITS[match[2]];
  if (!(seconds >= MIN_EXPIRY_SECONDS && seconds <= MAX_EXPIRY_SECONDS)) {
    throw new ProviderError(
      'PROVIDER_REQUEST_INVALID',
      'timeoutExpress must be like "30m", "2h" or "1d", from 30 minutes to 24 hours (Stripe expires_at)',
      HttpStatus.BAD_REQUEST,
    );
  }
  return seconds;
}

interface ApiBase {
  readonly protocol: 'http' | 'https';
  readonly host: string;
  readonly port: number;
}

function parseApiBase(text: string, problems: string[]): ApiBase | undefined {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    problems.push('apiBaseUrl must be an absolute URL');
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push('apiBaseUrl must be http or https');
    return undefined;
  }
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.username !== '') {
    // The client always calls /v1/... at the host root.
    problems.push('apiBaseUrl must be scheme, host and port only');
    return undefined;
  }
  const protocol = url.protocol === 'http:' ? 'http' : 'https';
  return {
    protocol,
    // The client puts host in the request as is: IPv6 literals without brackets.
    host: url.hostname.replace(/^\[|\]$/g, ''),
    port: url.port === '' ? (protocol === 'http' ? 80 : 443) : Number(url.port),
  };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function paymentIntentIdOf(object: JsonObject): string | undefined {
  const intent = object.payment_intent;
  if (typeof intent === 'string' && intent !== '') return intent;
  if (isObject(intent) && typeof intent.id === 'string') return intent.id;
  return undefined;
}

/** For events that are not payments: whatever amount the object names, or zero (the recorder needs Money). */
function bestEffortAmount(object: JsonObject): Money {
  const minor = [object.amount_total, object.amount_received, object.amount].find((value) =>
    Number.isSafeInteger(value),
  );
  for (const [amount, currency] of [
    [minor ?? 0, object.currency],
    [0, 'usd'],
  ] as const) {
    try {
      return fromStripeAmount(amount as number, currency as string);
    } catch {
      // Unsupported or missing currency: fall through to zero.
    }
  }
  return fromStripeAmount(0, 'usd');
}

/** A flat audit record of what the event said; the raw body is stored beside it. */
function eventFields(event: JsonObject, object: JsonObject, header: string, timestamp: number): Record<string, string> {
  const fields: Record<string, string> = {
    event_id: String(event.id),
    event_type: String(event.type),
    event_created: String(event.created),
    livemode: String(event.livemode),
    signature_timestamp: String(timestamp),
    stripe_signature: header,
  };
  if (typeof event.api_version === 'string') fields.api_version = event.api_version;
  const scalar = (name: string, value: unknown): void => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      fields[name] = String(value);
    }
  };
  for (const key of [
    'object',
    'id',
    'client_reference_id',
    'payment_status',
    'status',
    'amount_total',
    'amount_received',
    'amount',
    'currency',
  ]) {
    scalar(key === 'object' || key === 'id' ? `object_${key}` : key, object[key]);
  }
  scalar('payment_intent', paymentIntentIdOf(object));
  if (isObject(object.metadata)) scalar('metadata_order_no', object.metadata.orderNo);
  return fields;
}

function headerValue(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | undefined {
  let found: string | undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    if (found !== undefined || typeof value !== 'string' || value === '') return undefined;
    found = value;
  }
  return found;
}

/** The t= of a Stripe-Signature header with at least one v1=; undefined when malformed or t is repeated. */
function signedTimestamp(header: string): number | undefined {
  let timestamp: number | undefined;
  let signatures = 0;
  for (const item of header.split(',')) {
    const at = item.indexOf('=');
    const key = item.slice(0, at).trim();
    const value = item.slice(at + 1).trim();
    if (at < 0) return undefined;
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1' && value !== '') {
      signatures++;
    }
  }
  return signatures > 0 ? timestamp : undefined;
}

interface StripeErrorLike {
  readonly type: string;
  readonly rawType?: string;
  readonly code?: string;
  readonly statusCode?: number;
  readonly requestId?: string;
  readonly param?: string;
}

/** Duck-typed: the SDK's error classes may come from another realm (Jest's vm). */
function stripeErrorOf(error: unknown): StripeErrorLike | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const type = (error as { type?: unknown }).type;
  return typeof type === 'string' && type.startsWith('Stripe') ? (error as StripeErrorLike) : undefined;
}

/** A ProviderError for a failed API call; Stripe's own message is not copied (it may quote a masked key). */
function mapStripeError(operation: string, error: unknown): ProviderError {
  const stripeError = stripeErrorOf(error);
  if (stripeError === undefined) {
    return new ProviderError('PROVIDER_UNAVAILABLE', `Stripe ${operation} failed`, HttpStatus.BAD_GATEWAY);
  }
  const details = {
    type: stripeError.rawType,
    code: stripeError.code,
    param: stripeError.param,
    statusCode: stripeError.statusCode,
    requestId: stripeError.requestId,
  };
  switch (stripeError.type) {
    case 'StripeConnectionError': {
      const timedOut = /timeout/i.test((error as Error).message ?? '');
      return timedOut
        ? new ProviderError('PROVIDER_TIMEOUT', `Stripe ${operation} timed out`, HttpStatus.GATEWAY_TIMEOUT, details)
        : new ProviderError('PROVIDER_UNAVAILABLE', `Stripe ${operation} could not be reached`, HttpStatus.BAD_GATEWAY);
    }
    case 'StripeAuthenticationError':
    case 'StripePermissionError':
      return new ProviderError(
        'PROVIDER_CONFIG_INVALID',
        `Stripe ${operation} refused our API key`,
        HttpStatus.INTERNAL_SERVER_ERROR,
        details,
      );
    case 'StripeIdempotencyError':
      // The same order and amount were sent before with other parameters (another subject, return URL or expiry).
      return new ProviderError(
        'PROVIDER_REQUEST_INVALID',
        `Stripe ${operation}: this order was opened before with different parameters`,
        HttpStatus.CONFLICT,
        details,
      );
    case 'StripeInvalidRequestError':
    case 'StripeCardError':
      return new ProviderError('PROVIDER_REJECTED', `Stripe ${operation} was refused`, HttpStatus.BAD_GATEWAY, details);
    default:
      return new ProviderError(
        'PROVIDER_UNAVAILABLE',
        `Stripe ${operation} failed (${stripeError.type})`,
        HttpStatus.BAD_GATEWAY,
        details,
      );
  }
}

// Session deadlines are rounded to this grid so that retries of one payment send identical parameters.
const EXPIRY_GRID_SECONDS = 300;
const STRIPE_MAX_LIFETIME_SECONDS = 24 * 3600;

/**
 * expires_at for a session opened at `nowSeconds` that should live `lifetimeSeconds`: rounded up to the next five
 * minutes (rounded down instead where rounding up would pass Stripe's 24-hour maximum). A retry of the same payment
 * within the same five minutes therefore sends the same expires_at; one in a later window opens a new session,
 * and the earlier one lapses by itself.
 */
export function sessionExpiry(nowSeconds: number, lifetimeSeconds: number): number {
  const target = nowSeconds + lifetimeSeconds;
  const up = Math.ceil(target / EXPIRY_GRID_SECONDS) * EXPIRY_GRID_SECONDS;
  return up - nowSeconds < STRIPE_MAX_LIFETIME_SECONDS
    ? up
    : Math.floor(target / EXPIRY_GRID_SECONDS) * EXPIRY_GRID_SECONDS;
}
