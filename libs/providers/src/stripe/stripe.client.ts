import { HttpStatus } from '@nestjs/common';
import { type Money, fromStripeAmount, toStripeAmount } from '@shop/money';
import Stripe from 'stripe';
import type {
  CreatePaymentRequest,
  CreatePaymentResult,
  PaymentQueryResult,
  ProviderClient,
  ProviderPaymentReference,
} from '../provider-client';
import { ProviderError } from '../provider-error';
import type { RefundRequest, RefundResult } from '../refund';
import type { StripeClientConfig } from './stripe.config';
import { type StripeJsonObject, isHttpUrl, paymentIntentIdOf, stripeErrorOf } from './stripe-objects';

/** Which Checkout Session a query or close is about: Stripe cannot look sessions up by our order number. */
export interface StripeSessionRef extends ProviderPaymentReference {
  /** The id createPayment returned (CreatePaymentResult sessionId, cs_...); providerReference works too. */
  readonly sessionId?: string;
}

const DEFAULT_API_BASE = 'https://api.stripe.com';
// client_reference_id takes up to 200 characters; printable ASCII keeps the idempotency key and URLs simple.
const ORDER_NO = /^[\x21-\x7e]{1,200}$/;
const SESSION_ID = /^cs_[A-Za-z0-9_]{1,250}$/;
const SECRET_KEY = /^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/;
// Stripe accepts expires_at 30 minutes to 24 hours after creation.
const MIN_EXPIRY_SECONDS = 30 * 60;
const MAX_EXPIRY_SECONDS = 24 * 3600;

/**
 * Stripe Checkout as a ProviderClient, through the official `stripe` package: createPayment opens a hosted
 * Checkout Session, queryPayment / closePayment retrieve and expire it. A paid session reports the PaymentIntent
 * id as providerTransactionId, as the webhooks of the same payment do.
 */
export class StripeClient implements ProviderClient {
  readonly name = 'stripe';
  private readonly client: Stripe;
  private readonly now: () => Date;
  private readonly returnUrl: string | undefined;
  private readonly resolveSessionId: StripeClientConfig['resolveSessionId'];

  constructor(config: StripeClientConfig) {
    const problems: string[] = [];
    // Messages name the rule, never the value: these are secrets.
    if (typeof config.secretKey !== 'string' || !SECRET_KEY.test(config.secretKey)) {
      problems.push('secretKey must be a Stripe secret or restricted key (sk_test_, sk_live_, rk_test_, rk_live_)');
    }
    const api = parseApiBase(config.apiBaseUrl ?? DEFAULT_API_BASE, problems);
    if (api !== undefined && api.protocol === 'http' && /_live_/.test(config.secretKey)) {
      problems.push('a live key must not travel over plain http: apiBaseUrl must be https');
    }
    if (config.returnUrl !== undefined && !isHttpUrl(config.returnUrl)) {
      problems.push('returnUrl must be an absolute http(s) URL');
    }
    if (problems.length > 0 || api === undefined) {
      throw new ProviderError(
        'PROVIDER_CONFIG_INVALID',
        `Stripe configuration is invalid: ${problems.join('; ')}`,
        HttpStatus.INTERNAL_SERVER_ERROR,
        { problems },
      );
    }
    this.now = config.now ?? (() => new Date());
    this.returnUrl = config.returnUrl;
    this.resolveSessionId = config.resolveSessionId;
    this.client = new Stripe(config.secretKey, {
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
    if (request.expiresAt !== undefined) params.expires_at = this.expiresAt(request.expiresAt);
    // Same order, amount and deadline: Stripe replays the first session for 24 h instead of opening a second one.
    // Stripe refuses a key reused with other parameters, so the deadline is part of the key and is rounded (see
    // sessionExpiry): a retry seconds later (after a crash or a timeout) sends the very same request.
    const idempotencyKey =
      `checkout-${request.orderNo}-${stripeAmount.amount}-${stripeAmount.currency}` +
      (params.expires_at === undefined ? '' : `-${params.expires_at}`);
    const session = await this.call('checkout.sessions.create', () =>
      this.client.checkout.sessions.create(params, { idempotencyKey }),
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
    // Retrieved first: expiring must only ever touch a session of this order.
    let session = await this.retrieveOwnSession(orderNo, ref);
    if (session === undefined) return;
    if (session.status === 'open') {
      try {
        await this.client.checkout.sessions.expire(session.id);
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
   * POST /v1/refunds of the payment's PaymentIntent with Idempotency-Key = our refund key, so a retry (after a
   * timeout, a crash) is the same refund at Stripe. Card refunds answer succeeded; pending ones are settled by
   * queryRefund. Stripe's refusal of the request itself (amount_too_large, charge_already_refunded) fails the
   * refund; transport and server failures throw for a retry.
   */
  async refundPayment(request: RefundRequest): Promise<RefundResult> {
    let refund: Stripe.Refund;
    try {
      refund = await this.client.refunds.create(
        {
          payment_intent: request.providerTransactionId,
          amount: toStripeAmount(request.amount).amount,
          reason: 'requested_by_customer',
          metadata: { order_no: request.orderNo, refund_no: request.refundNo },
        },
        { idempotencyKey: request.refundNo },
      );
    } catch (error) {
      const stripeError = stripeErrorOf(error);
      if (stripeError?.type === 'StripeInvalidRequestError' && stripeError.statusCode === 400) {
        const code = stripeError.code ?? 'invalid_request';
        return {
          status: 'failed',
          providerStatus: code,
          failureReason: `${code}: ${error instanceof Error ? error.message : code}`.slice(0, 200),
        };
      }
      throw mapStripeError('refunds.create', error);
    }
    return refundState(refund);
  }

  /** Finds our refund among the PaymentIntent's refunds by metadata.refund_no; not-found when Stripe has none. */
  async queryRefund(request: RefundRequest): Promise<RefundResult> {
    const list = await this.call('refunds.list', () =>
      this.client.refunds.list({ payment_intent: request.providerTransactionId, limit: 100 }),
    );
    const refund = list.data.find((r) => r.metadata?.refund_no === request.refundNo);
    return refund === undefined ? { status: 'not-found', providerStatus: 'no refund' } : refundState(refund);
  }

  /** expires_at for a session opened now that must be paid by `expiresAt`, on the grid of sessionExpiry. */
  private expiresAt(expiresAt: Date): number {
    const nowSeconds = Math.floor(this.now().getTime() / 1000);
    const lifetimeSeconds = Math.floor(expiresAt.getTime() / 1000) - nowSeconds;
    // NaN (an invalid Date) fails this test too.
    if (!(lifetimeSeconds >= MIN_EXPIRY_SECONDS && lifetimeSeconds <= MAX_EXPIRY_SECONDS)) {
      throw new ProviderError(
        'PROVIDER_REQUEST_INVALID',
        'expiresAt must be 30 minutes to 24 hours from now (Stripe expires_at)',
        HttpStatus.BAD_REQUEST,
      );
    }
    return sessionExpiry(nowSeconds, lifetimeSeconds);
  }

  private async retrieveOwnSession(
    orderNo: string,
    ref: StripeSessionRef | undefined,
  ): Promise<Stripe.Checkout.Session | undefined> {
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
      session = await this.client.checkout.sessions.retrieve(sessionId);
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
}

/** The state a retrieved or expired session reports. */
function sessionState(session: Stripe.Checkout.Session): PaymentQueryResult {
  const providerStatus = `${session.status ?? 'null'}/${session.payment_status}`;
  if (session.payment_status === 'paid') {
    const providerTransactionId = paymentIntentIdOf(session as unknown as StripeJsonObject);
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

/** A ProviderError for a failed API call; Stripe's own message is not copied (it may quote a masked key). */
function refundState(refund: Stripe.Refund): RefundResult {
  switch (refund.status) {
    case 'succeeded':
      return { status: 'succeeded', providerRefundId: refund.id, providerStatus: refund.status };
    case 'failed':
    case 'canceled':
      return {
        status: 'failed',
        providerRefundId: refund.id,
        providerStatus: refund.status,
        failureReason: refund.failure_reason ?? refund.status,
      };
    case 'pending':
    case 'requires_action':
    case null:
      return { status: 'pending', providerRefundId: refund.id, providerStatus: refund.status ?? 'pending' };
    default:
      return { status: 'pending', providerRefundId: refund.id, providerStatus: String(refund.status) };
  }
}

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
