import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Money } from '@shop/money';
import Stripe from 'stripe';
import {
  type ProviderClient,
  StripeClient,
  StripeNotificationVerifier,
  type VerifiedNotification,
} from '@shop/providers';
import { paymentSucceededEventId } from '@shop/contracts';
import { SimulatorError } from '../simulator-error';
import { decodeStripeForm } from './stripe-form';
import { type StripeSecrets, generateStripeSecrets } from './stripe-secrets';
import { stripeSignatureHeader } from './stripe-signature';
import { type StripeCheckoutSessionObject, type StripePayResult, StripeSimulator } from './stripe-simulator';

interface ApiErrorBody {
  readonly error: { readonly type: string; readonly code?: string; readonly param?: string };
}

interface Received {
  readonly rawBody: string;
  readonly signature: string;
  readonly notification?: VerifiedNotification;
  readonly reason?: string;
}

let secrets: StripeSecrets;
let simulator: StripeSimulator;
let client: StripeClient;
let verifier: StripeNotificationVerifier;
let receiver: Server;
let webhookUrl: string;
const received: Received[] = [];

function hostOf(baseUrl: string): { host: string; port: number; protocol: 'http' } {
  const url = new URL(baseUrl);
  return { host: url.hostname, port: Number(url.port), protocol: 'http' };
}

beforeAll(async () => {
  secrets = generateStripeSecrets();
  simulator = new StripeSimulator({ secretKey: secrets.secretKey, webhookSecret: secrets.webhookSecret });
  const baseUrl = await simulator.start();
  client = new StripeClient({ secretKey: secrets.secretKey, apiBaseUrl: baseUrl, maxNetworkRetries: 0 });
  verifier = new StripeNotificationVerifier({ webhookSecret: secrets.webhookSecret });
  // A tiny stand-in for our webhook endpoint: raw body in, verifier verdict out.
  receiver = createServer((req, res) => {
    let rawBody = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (rawBody += chunk));
    req.on('end', () => {
      const signature = String(req.headers['stripe-signature']);
      const verdict = verifier.verify({ rawBody, contentType: req.headers['content-type'], headers: req.headers });
      received.push(
        verdict.ok
          ? { rawBody, signature, notification: verdict.notification }
          : { rawBody, signature, reason: verdict.reason },
      );
      const answer = verdict.ok ? verifier.acknowledge() : verifier.reject(verdict.reason);
      res.writeHead(answer.status, { 'content-type': answer.contentType });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/stripe`;
  simulator.webhookUrl = webhookUrl;
});

afterAll(async () => {
  await simulator.stop();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

let orderSeq = 0;
const nextOrderNo = (): string => `ORD_STRIPE_${++orderSeq}`;

function checkout(orderNo: string, minor = 1999, subject = 'Order A+B 100% & more', currency: 'USD' | 'CNY' = 'USD') {
  return client.createPayment({
    orderNo,
    amount: Money.of(minor, currency),
    subject,
    method: 'checkout',
    notifyUrl: 'https://shop.example/notify/stripe',
  });
}

async function sessionIdOf(orderNo: string): Promise<string> {
  const result = await checkout(orderNo);
  if (result.kind !== 'checkout') throw new Error('expected a checkout result');
  return result.sessionId;
}

describe('StripeSimulator API with the official client (through StripeClient)', () => {
  it("creates a Checkout Session from the client's form-encoded request", async () => {
    const orderNo = nextOrderNo();
    const result = await checkout(orderNo, 1230, 'Gift A+B 100% & more=1 中文', 'CNY');
    expect(result).toMatchObject({ kind: 'checkout' });
    if (result.kind !== 'checkout') return;
    expect(result.sessionId).toMatch(/^cs_test_a1/);
    expect(result.checkoutUrl).toBe(`${simulator.baseUrl}/pay/${result.sessionId}`);
    const session = simulator.session(orderNo);
    expect(session).toMatchObject({
      id: result.sessionId,
      mode: 'payment',
      amount_total: 1230,
      currency: 'cny',
      client_reference_id: orderNo,
      metadata: { orderNo },
      status: 'open',
      payment_status: 'unpaid',
      payment_intent: null,
      cancel_url: `https://shop.example/return?order_no=${orderNo}&canceled=1`,
      success_url: `https://shop.example/return?order_no=${orderNo}&session_id={CHECKOUT_SESSION_ID}`,
    });
    const page = await fetch(result.checkoutUrl);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('Gift A+B 100% &#38; more=1 中文');
  });

  it('replays the same session for the same order and amount (Idempotency-Key), and refuses changed parameters', async () => {
    const orderNo = nextOrderNo();
    const first = await checkout(orderNo);
    const again = await checkout(orderNo);
    expect(again).toEqual(first);
    expect(simulator.sessions().filter((s) => s.client_reference_id === orderNo)).toHaveLength(1);
    await expect(checkout(orderNo, 1999, 'Another subject')).rejects.toMatchObject({
      code: 'PROVIDER_REQUEST_INVALID',
      status: 409,
      details: { type: 'idempotency_error' },
    });
    // Another amount is another key: a new session for the new amount.
    const changed = await checkout(orderNo, 2500);
    expect(changed).not.toEqual(first);
  });

  it('reports pending, then paid after markPaidWithoutNotify, with the PaymentIntent id', async () => {
    const orderNo = nextOrderNo();
    const sessionId = await sessionIdOf(orderNo);
    await expect(client.queryPayment(orderNo, { sessionId })).resolves.toEqual({
      status: 'pending',
      providerStatus: 'open/unpaid',
    });
    const paid = simulator.markPaidWithoutNotify(sessionId);
    expect(received).toHaveLength(0);
    const result = await client.queryPayment(orderNo, { sessionId });
    expect(result).toMatchObject({
      status: 'paid',
      providerTransactionId: paid.payment_intent,
      providerStatus: 'complete/paid',
    });
    expect(result.amount?.equals(Money.of(1999, 'USD'))).toBe(true);
    // The same id a webhook would carry: one event id for query and notification.
    expect(paymentSucceededEventId('stripe', result.providerTransactionId!)).toBe(
      paymentSucceededEventId(client.name, paid.payment_intent!),
    );
  });

  it('serves the PaymentIntent to the official client, with our order number in its metadata', async () => {
    const orderNo = nextOrderNo();
    const paid = simulator.markPaidWithoutNotify(await sessionIdOf(orderNo));
    const stripe = new Stripe(secrets.secretKey, { ...hostOf(simulator.baseUrl), maxNetworkRetries: 0 });
    const intent = await stripe.paymentIntents.retrieve(paid.payment_intent!);
    expect(intent).toMatchObject({
      id: paid.payment_intent,
      status: 'succeeded',
      amount_received: 1999,
      currency: 'usd',
    });
    expect(intent.metadata).toEqual({ orderNo });
    const expanded = await stripe.checkout.sessions.retrieve(paid.id, { expand: ['payment_intent'] });
    expect((expanded.payment_intent as Stripe.PaymentIntent).id).toBe(paid.payment_intent);
    await expect(stripe.paymentIntents.retrieve('pi_missing')).rejects.toMatchObject({
      type: 'StripeInvalidRequestError',
      code: 'resource_missing',
      statusCode: 404,
    });
  });

  it('expires an open session (twice is fine); a paid one cannot be closed: PROVIDER_TRADE_PAID', async () => {
    const orderNo = nextOrderNo();
    const sessionId = await sessionIdOf(orderNo);
    await expect(client.closePayment(orderNo, { sessionId })).resolves.toBeUndefined();
    await expect(client.closePayment(orderNo, { sessionId })).resolves.toBeUndefined();
    await expect(client.queryPayment(orderNo, { sessionId })).resolves.toEqual({
      status: 'closed',
      providerStatus: 'expired/unpaid',
    });
    await expect(simulator.pay(sessionId)).rejects.toMatchObject({ code: 'SIMULATOR_TRADE_CLOSED' });

    const paidOrder = nextOrderNo();
    const paidSession = await sessionIdOf(paidOrder);
    const paid = simulator.markPaidWithoutNotify(paidSession);
    await expect(client.closePayment(paidOrder, { sessionId: paidSession })).rejects.toMatchObject({
      code: 'PROVIDER_TRADE_PAID',
      status: 409,
      details: { providerTransactionId: paid.payment_intent },
    });
  });

  it('queries and closes by order number alone through resolveSessionId (the ProviderClient signature)', async () => {
    const stored = new Map<string, string>();
    const byOrder = new StripeClient({
      secretKey: secrets.secretKey,
      apiBaseUrl: simulator.baseUrl,
      maxNetworkRetries: 0,
      resolveSessionId: async (orderNo) => stored.get(orderNo),
    });
    const orderNo = nextOrderNo();
    stored.set(orderNo, await sessionIdOf(orderNo));
    const provider: Pick<ProviderClient, 'queryPayment' | 'closePayment'> = byOrder;
    await expect(provider.queryPayment(orderNo)).resolves.toMatchObject({ status: 'pending' });
    await expect(provider.closePayment!(orderNo)).resolves.toBeUndefined();
    await expect(provider.queryPayment(orderNo)).resolves.toMatchObject({ status: 'closed' });
    // Never opened: nothing to find, nothing to close.
    await expect(provider.queryPayment('ORD_NEVER')).resolves.toMatchObject({ status: 'not-found' });
    await expect(provider.closePayment!('ORD_NEVER')).resolves.toBeUndefined();
    // Without a resolver the order number alone is not enough.
    await expect(client.queryPayment(orderNo)).rejects.toMatchObject({ code: 'PROVIDER_REQUEST_INVALID' });
  });

  it('answers not-found for an unknown session and refuses a session of another order', async () => {
    const orderNo = nextOrderNo();
    await expect(client.queryPayment(orderNo, { sessionId: 'cs_test_a1unknown' })).resolves.toEqual({
      status: 'not-found',
      providerStatus: 'resource_missing',
    });
    const sessionId = await sessionIdOf(orderNo);
    await expect(client.closePayment(nextOrderNo(), { sessionId })).rejects.toMatchObject({
      code: 'PROVIDER_REQUEST_INVALID',
    });
    expect(simulator.session(sessionId)?.status).toBe('open');
  });

  it('refuses a wrong secret key with 401, which the client reports as a configuration error', async () => {
    const wrong = new StripeClient({
      secretKey: 'sk_test_wrong',
      apiBaseUrl: simulator.baseUrl,
      maxNetworkRetries: 0,
    });
    const error = await wrong
      .createPayment({
        orderNo: nextOrderNo(),
        amount: Money.of(100, 'USD'),
        subject: 'x',
        method: 'checkout',
        notifyUrl: 'https://shop.example/n',
      })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'PROVIDER_CONFIG_INVALID', details: { statusCode: 401 } });
    expect(JSON.stringify(error)).not.toContain('sk_test_wrong');
  });

  it('replays the session when the same payment is opened again seconds later with a deadline (a retry after a crash)', async () => {
    let now = new Date('2026-11-27T02:00:03Z');
    const clocked = new StripeSimulator({ ...secrets, now: () => now });
    const baseUrl = await clocked.start();
    try {
      const clockedClient = new StripeClient({
        secretKey: secrets.secretKey,
        apiBaseUrl: baseUrl,
        maxNetworkRetries: 0,
        now: () => now,
      });
      const orderNo = nextOrderNo();
      const open = () =>
        clockedClient.createPayment({
          orderNo,
          amount: Money.of(700, 'EUR'),
          subject: 'Retried',
          method: 'checkout',
          notifyUrl: 'https://shop.example/n',
          // Computed afresh on each attempt, as the payment-gateway does.
          expiresAt: new Date(now.getTime() + 31 * 60_000),
        });
      const first = await open();
      now = new Date('2026-11-27T02:00:09Z');
      // The same parameters under the same key: Stripe replays the first session instead of refusing the key.
      await expect(open()).resolves.toEqual(first);
      expect(clocked.sessions().filter((s) => s.client_reference_id === orderNo)).toHaveLength(1);
    } finally {
      await clocked.stop();
    }
  });

  it('lets sessions expire at expires_at on the simulator clock', async () => {
    let now = new Date('2026-11-27T02:00:00Z');
    const clocked = new StripeSimulator({ ...secrets, now: () => now });
    const baseUrl = await clocked.start();
    try {
      const clockedClient = new StripeClient({
        secretKey: secrets.secretKey,
        apiBaseUrl: baseUrl,
        maxNetworkRetries: 0,
        now: () => now,
      });
      const orderNo = nextOrderNo();
      const result = await clockedClient.createPayment({
        orderNo,
        amount: Money.of(500, 'EUR'),
        subject: 'Expiring',
        method: 'checkout',
        notifyUrl: 'https://shop.example/n',
        expiresAt: new Date(now.getTime() + 30 * 60_000),
      });
      if (result.kind !== 'checkout') throw new Error('expected checkout');
      expect(clocked.session(orderNo)?.expires_at).toBe(Date.parse('2026-11-27T02:30:00Z') / 1000);
      now = new Date('2026-11-27T02:30:00Z');
      await expect(clockedClient.queryPayment(orderNo, { sessionId: result.sessionId })).resolves.toMatchObject({
        status: 'closed',
      });
    } finally {
      await clocked.stop();
    }
  });
});

describe('StripeSimulator webhooks into StripeNotificationVerifier.verify', () => {
  it('sends checkout.session.completed and payment_intent.succeeded: both paid, one payment', async () => {
    const orderNo = nextOrderNo();
    await checkout(orderNo);
    const result = await simulator.pay(orderNo);
    expect(result.deliveries.map((d) => [d.type, d.status, d.body])).toEqual([
      ['checkout.session.completed', 200, '{"received":true}'],
      ['payment_intent.succeeded', 200, '{"received":true}'],
    ]);
    const [fromSession, fromIntent] = received.map((r) => r.notification!);
    expect(fromSession).toMatchObject({
      kind: 'payment-succeeded',
      orderNo,
      providerTransactionId: result.session.payment_intent,
    });
    expect(fromIntent).toMatchObject({
      kind: 'payment-succeeded',
      orderNo,
      providerTransactionId: result.session.payment_intent,
    });
    expect(fromSession.notificationKey).not.toBe(fromIntent.notificationKey);
    expect(fromSession.amount.equals(Money.of(1999, 'USD'))).toBe(true);
    expect(fromIntent.amount.equals(Money.of(1999, 'USD'))).toBe(true);
    expect(paymentSucceededEventId(fromSession.provider, fromSession.providerTransactionId)).toBe(
      paymentSucceededEventId(fromIntent.provider, fromIntent.providerTransactionId),
    );
  });

  it('retries and duplicates keep each event id; pay again is a retry of the same events', async () => {
    const orderNo = nextOrderNo();
    await checkout(orderNo);
    const first = await simulator.pay(orderNo, { times: 3, concurrent: 2 });
    expect(first.deliveries).toHaveLength(12);
    expect(first.deliveries.every((d) => d.status === 200)).toBe(true);
    const again = await simulator.pay(orderNo, { events: ['payment_intent.succeeded'] });
    expect(again.events[0]).toEqual(first.events[1]);
    expect(new Set(received.map((r) => r.notification!.notificationKey)).size).toBe(2);
    expect(new Set(received.map((r) => r.rawBody)).size).toBe(2);
  });

  it('re-signs every delivery with a fresh timestamp', async () => {
    let seconds = Date.now() / 1000;
    const ticking = new StripeSimulator({ ...secrets, webhookUrl, now: () => new Date((seconds += 1) * 1000) });
    await ticking.start();
    try {
      const orderNo = nextOrderNo();
      const stripe = new Stripe(secrets.secretKey, { ...hostOf(ticking.baseUrl), maxNetworkRetries: 0 });
      await stripe.checkout.sessions.create({
        mode: 'payment',
        line_items: [
          { price_data: { currency: 'usd', unit_amount: 700, product_data: { name: 'Tick' } }, quantity: 1 },
        ],
        client_reference_id: orderNo,
        payment_intent_data: { metadata: { orderNo } },
        success_url: 'https://shop.example/return',
      });
      const result = await ticking.pay(orderNo, { times: 3, events: ['checkout.session.completed'] });
      expect(result.deliveries.map((d) => d.status)).toEqual([200, 200, 200]);
      const timestamps = received.map((r) => /t=(\d+)/.exec(r.signature)![1]);
      expect(new Set(timestamps).size).toBe(3);
    } finally {
      await ticking.stop();
    }
  });

  it('sends the intent event first when asked (out of order)', async () => {
    const orderNo = nextOrderNo();
    await checkout(orderNo);
    const result = await simulator.pay(orderNo, { outOfOrder: true });
    expect(result.deliveries.map((d) => d.type)).toEqual(['payment_intent.succeeded', 'checkout.session.completed']);
    expect(received.map((r) => r.notification?.kind)).toEqual(['payment-succeeded', 'payment-succeeded']);
  });

  it('gets tampered bodies, wrong secrets and stale or future timestamps refused with 400', async () => {
    const orderNo = nextOrderNo();
    await checkout(orderNo);
    const events = ['checkout.session.completed'] as const;
    const tampered = await simulator.pay(orderNo, { events, tamper: true });
    expect(tampered).toMatchObject({ status: 400, body: '{"error":"BAD_SIGNATURE"}' });
    expect(tampered.events[0].rawBody).toContain('"amount_total": 1999');
    expect(received[0].rawBody).toContain('"amount_total": 2000');
    const edited = await simulator.pay(orderNo, { events, tamper: (raw) => raw.replace(orderNo, 'ORD_X') });
    expect(edited.status).toBe(400);
    const wrongSecret = await simulator.pay(orderNo, { events, secret: 'whsec_notTheEndpointSecret' });
    expect(wrongSecret).toMatchObject({ status: 400, body: '{"error":"BAD_SIGNATURE"}' });
    const now = Math.floor(Date.now() / 1000);
    const stale = await simulator.pay(orderNo, { events, timestamp: now - 600 });
    expect(stale).toMatchObject({ status: 400, body: '{"error":"STALE_TIMESTAMP"}' });
    const future = await simulator.pay(orderNo, { events, timestamp: now + 600 });
    expect(future).toMatchObject({ status: 400, body: '{"error":"STALE_TIMESTAMP"}' });
    expect(received.map((r) => r.reason)).toEqual([
      'BAD_SIGNATURE',
      'BAD_SIGNATURE',
      'BAD_SIGNATURE',
      'STALE_TIMESTAMP',
      'STALE_TIMESTAMP',
    ]);
  });

  it("signs another amount validly under fresh event ids (the amount check is the caller's job)", async () => {
    const orderNo = nextOrderNo();
    await checkout(orderNo);
    const honest = await simulator.pay(orderNo, { events: ['payment_intent.succeeded'] });
    const result = await simulator.pay(orderNo, { events: ['payment_intent.succeeded'], amount: 1 });
    expect(result.status).toBe(200);
    expect(result.events[0].id).not.toBe(honest.events[0].id);
    expect(received[1].notification?.amount.equals(Money.of(1, 'USD'))).toBe(true);
  });

  it('newTransaction is another payment of the order, even of an expired session: a new PaymentIntent', async () => {
    const orderNo = nextOrderNo();
    const sessionId = await sessionIdOf(orderNo);
    await client.closePayment(orderNo, { sessionId });
    await expect(simulator.pay(orderNo)).rejects.toMatchObject({ code: 'SIMULATOR_TRADE_CLOSED' });
    const result = await simulator.pay(orderNo, { newTransaction: true });
    expect(result.deliveries.map((d) => d.status)).toEqual([200, 200]);
    const [fromSession, fromIntent] = received.map((r) => r.notification!);
    expect(fromSession).toMatchObject({ kind: 'payment-succeeded', orderNo });
    expect(fromSession.providerTransactionId).toMatch(/^pi_/);
    expect(fromIntent.providerTransactionId).toBe(fromSession.providerTransactionId);
    expect(fromSession.amount.equals(Money.of(1999, 'USD'))).toBe(true);
    expect(simulator.paymentIntent(fromSession.providerTransactionId)).toMatchObject({ status: 'succeeded' });
    // The session as recorded stays expired and unpaid; a second late payment is yet another intent.
    expect(result.session).toMatchObject({ id: sessionId, status: 'expired', payment_intent: null });
    const again = await simulator.pay(orderNo, { newTransaction: true, events: ['payment_intent.succeeded'] });
    expect(again.events[0].id).not.toBe(result.events[1].id);
    expect(received[2].notification!.providerTransactionId).not.toBe(fromSession.providerTransactionId);
  });

  it('sends arbitrary events, which the verifier acknowledges (charge.refunded as a refund)', async () => {
    const result = await simulator.sendEvent('charge.refunded', {
      id: 'ch_3Refund',
      object: 'charge',
      amount: 1999,
      amount_refunded: 1999,
      currency: 'usd',
      payment_intent: 'pi_3Refund',
    });
    expect(result).toMatchObject({ status: 200, body: '{"received":true}' });
    expect(received[0].notification).toMatchObject({ kind: 'refund', tradeStatus: 'charge.refunded' });
  });

  it("signs exactly as the official SDK: constructEvent accepts the simulator's deliveries", async () => {
    const orderNo = nextOrderNo();
    await checkout(orderNo);
    await simulator.pay(orderNo);
    for (const { rawBody, signature } of received) {
      const event = Stripe.webhooks.constructEvent(rawBody, signature, secrets.webhookSecret);
      expect(['checkout.session.completed', 'payment_intent.succeeded']).toContain(event.type);
    }
    const t = 1_790_000_000;
    expect(stripeSignatureHeader('{"id":"evt_1"}', secrets.webhookSecret, t)).toBe(
      Stripe.webhooks.generateTestHeaderString({
        payload: '{"id":"evt_1"}',
        secret: secrets.webhookSecret,
        timestamp: t,
      }),
    );
  });

  it('refuses to deliver without a webhook URL', async () => {
    const silent = new StripeSimulator(secrets);
    await expect(silent.sendEvent('charge.refunded', {})).rejects.toBeInstanceOf(SimulatorError);
  });
});

describe('StripeSimulator HTTP surface', () => {
  const form = (pairs: Record<string, string>): string => new URLSearchParams(pairs).toString();
  const validSession = {
    mode: 'payment',
    'line_items[0][price_data][currency]': 'usd',
    'line_items[0][price_data][unit_amount]': '1000',
    'line_items[0][price_data][product_data][name]': 'Raw',
    'line_items[0][quantity]': '2',
    success_url: 'https://shop.example/return',
  };
  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${simulator.baseUrl}/v1/checkout/sessions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${secrets.secretKey}`,
        'content-type': 'application/x-www-form-urlencoded',
        ...headers,
      },
      body,
    });

  it('answers 401 without or with a wrong key, never echoing it', async () => {
    const none = await fetch(`${simulator.baseUrl}/v1/checkout/sessions/cs_test_x`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as ApiErrorBody).error.type).toBe('invalid_request_error');
    const wrong = await fetch(`${simulator.baseUrl}/v1/checkout/sessions/cs_test_x`, {
      headers: { authorization: 'Bearer sk_test_guess' },
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).not.toContain('sk_test_guess');
  });

  it('replays by Idempotency-Key with Idempotent-Replayed, and refuses the key with other parameters', async () => {
    const key = `raw-${nextOrderNo()}`;
    const first = await post(form(validSession), { 'idempotency-key': key });
    const firstBody = (await first.json()) as StripeCheckoutSessionObject;
    expect(firstBody.amount_total).toBe(2000);
    const replay = await post(form(validSession), { 'idempotency-key': key });
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(((await replay.json()) as StripeCheckoutSessionObject).id).toBe(firstBody.id);
    const changed = await post(form({ ...validSession, 'line_items[0][quantity]': '3' }), { 'idempotency-key': key });
    expect(changed.status).toBe(400);
    expect(((await changed.json()) as ApiErrorBody).error.type).toBe('idempotency_error');
  });

  it('validates parameters as Stripe does: unknown, missing and out-of-range', async () => {
    const unknown = await post(form({ ...validSession, colour: 'red' }));
    expect(await unknown.json()).toMatchObject({ error: { code: 'parameter_unknown', param: 'colour' } });
    const { mode: _mode, ...noMode } = validSession;
    expect(await (await post(form(noMode))).json()).toMatchObject({
      error: { code: 'parameter_missing', param: 'mode' },
    });
    const huge = await post(form({ ...validSession, 'line_items[0][price_data][unit_amount]': '99999999' }));
    expect(await huge.json()).toMatchObject({ error: { code: 'amount_too_large' } });
    const soon = await post(form({ ...validSession, expires_at: String(Math.floor(Date.now() / 1000) + 60) }));
    expect(await soon.json()).toMatchObject({ error: { param: 'expires_at' } });
    const proto = await post(`${form(validSession)}&metadata[__proto__][x]=1`);
    expect(proto.status).toBe(400);
  });

  it('pays over the control API and lists sessions', async () => {
    const orderNo = nextOrderNo();
    await checkout(orderNo);
    const paid = await fetch(`${simulator.baseUrl}/_simulator/stripe/sessions/${orderNo}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ events: ['checkout.session.completed'], times: 2 }),
    });
    expect(paid.status).toBe(200);
    expect(((await paid.json()) as StripePayResult).deliveries.map((d) => d.status)).toEqual([200, 200]);
    const list = (await (
      await fetch(`${simulator.baseUrl}/_simulator/stripe/sessions`)
    ).json()) as StripeCheckoutSessionObject[];
    expect(list.find((s) => s.client_reference_id === orderNo)).toMatchObject({
      status: 'complete',
      payment_status: 'paid',
    });
    const missing = await fetch(`${simulator.baseUrl}/_simulator/stripe/sessions/ORD_NONE/pay`, { method: 'POST' });
    expect(missing.status).toBe(404);
  });

  it('refuses live keys and malformed secrets at construction', () => {
    expect(() => new StripeSimulator({ secretKey: 'sk_live_x', webhookSecret: 'whsec_x' })).toThrow(SimulatorError);
    expect(() => new StripeSimulator({ secretKey: 'sk_test_x', webhookSecret: 'secret' })).toThrow(SimulatorError);
  });
});

describe('stripe-form and secrets', () => {
  it('decodes bracketed keys into objects and arrays', () => {
    const decoded = decodeStripeForm(
      new URLSearchParams(
        'line_items[1][quantity]=2&line_items[0][quantity]=1&metadata[orderNo]=A%2BB&expand[]=payment_intent&mode=payment',
      ),
    );
    expect(JSON.parse(JSON.stringify(decoded))).toEqual({
      line_items: [{ quantity: '1' }, { quantity: '2' }],
      metadata: { orderNo: 'A+B' },
      expand: ['payment_intent'],
      mode: 'payment',
    });
    expect(() => decodeStripeForm(new URLSearchParams('a[constructor]=1'))).toThrow(/a\[constructor\]/);
    expect(() => decodeStripeForm(new URLSearchParams('a=1&a[b]=2'))).toThrow();
  });

  it("generates fresh secrets in Stripe's formats", () => {
    const a = generateStripeSecrets();
    const b = generateStripeSecrets();
    expect(a.secretKey).toMatch(/^sk_test_[A-Za-z0-9]{99}$/);
    expect(a.webhookSecret).toMatch(/^whsec_[A-Za-z0-9]{32}$/);
    expect(a.secretKey).not.toBe(b.secretKey);
    expect(a.webhookSecret).not.toBe(b.webhookSecret);
  });
});
