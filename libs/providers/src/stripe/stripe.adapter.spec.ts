import { createHmac } from 'node:crypto';
import { Money } from '@shop/money';
import { NotificationRejectedError } from '../notification-rejected.error';
import { ProviderError } from '../provider-error';
import { paymentSucceededEventId } from '@shop/contracts';
import { StripeAdapter } from './stripe.adapter';

const SECRET = 'whsec_unitSecret0123456789abcdefgh';
const NOW = new Date('2026-11-27T02:00:00Z');
const T = Math.floor(NOW.getTime() / 1000);
const PI = 'pi_3UnitTest000000000000000';

const adapter = new StripeAdapter({ webhookSecret: SECRET, now: () => NOW });

// Signed by hand (Stripe's published scheme), so these unit specs do not lean on the SDK they test through.
function sign(rawBody: string, timestamp = T, secret = SECRET): string {
  return `t=${timestamp},v1=${createHmac('sha256', secret).update(`${timestamp}.${rawBody}`).digest('hex')}`;
}

function event(type: string, object: Record<string, unknown>, id = 'evt_1Unit000000000000000000'): string {
  return JSON.stringify(
    { id, object: 'event', api_version: '2026-10-28.endive', created: T - 1, data: { object }, livemode: false, type },
    null,
    2,
  );
}

const paidSession = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'cs_test_a1Unit',
  object: 'checkout.session',
  amount_total: 1230,
  currency: 'cny',
  client_reference_id: 'ORD_1001',
  metadata: { orderNo: 'ORD_1001' },
  payment_intent: PI,
  payment_status: 'paid',
  status: 'complete',
  ...overrides,
});

const succeededIntent = (overrides: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: PI,
  object: 'payment_intent',
  amount: 1230,
  amount_received: 1230,
  currency: 'cny',
  metadata: { orderNo: 'ORD_1001' },
  status: 'succeeded',
  ...overrides,
});

function verify(
  rawBody: string,
  headers: Record<string, string | string[] | undefined> = { 'stripe-signature': sign(rawBody) },
  contentType = 'application/json',
) {
  return adapter.verifyNotification({ rawBody, contentType, headers });
}

function rejection(run: () => unknown): { reason: string; message: string } {
  try {
    run();
  } catch (error) {
    if (error instanceof NotificationRejectedError) return { reason: error.reason, message: error.message };
    throw error;
  }
  throw new Error('expected a rejection');
}

describe('StripeAdapter.verifyNotification: mapping', () => {
  it('maps a paid checkout.session.completed to payment-succeeded keyed by the PaymentIntent id', () => {
    const notification = verify(event('checkout.session.completed', paidSession()));
    expect(notification).toMatchObject({
      provider: 'stripe',
      kind: 'payment-succeeded',
      notificationKey: 'evt_1Unit000000000000000000',
      orderNo: 'ORD_1001',
      providerTransactionId: PI,
      tradeStatus: 'checkout.session.completed',
      paidAt: new Date((T - 1) * 1000),
    });
    expect(notification.amount.equals(Money.of(1230, 'CNY'))).toBe(true);
    expect(notification.fields).toMatchObject({
      event_id: 'evt_1Unit000000000000000000',
      object_id: 'cs_test_a1Unit',
      payment_status: 'paid',
      payment_intent: PI,
      signature_timestamp: String(T),
    });
  });

  it('gives payment_intent.succeeded of the same payment the same providerTransactionId and event id', () => {
    const fromSession = verify(event('checkout.session.completed', paidSession(), 'evt_1A'));
    const fromIntent = verify(event('payment_intent.succeeded', succeededIntent(), 'evt_3B'));
    expect(fromIntent).toMatchObject({ kind: 'payment-succeeded', orderNo: 'ORD_1001', providerTransactionId: PI });
    expect(fromIntent.amount.equals(fromSession.amount)).toBe(true);
    expect(fromIntent.notificationKey).not.toBe(fromSession.notificationKey);
    expect(paymentSucceededEventId(fromIntent.provider, fromIntent.providerTransactionId)).toBe(
      paymentSucceededEventId(fromSession.provider, fromSession.providerTransactionId),
    );
  });

  it('takes the PaymentIntent id from an expanded payment_intent object too', () => {
    const notification = verify(
      event('checkout.session.completed', paidSession({ payment_intent: { id: PI, object: 'payment_intent' } })),
    );
    expect(notification.providerTransactionId).toBe(PI);
  });

  it('treats checkout.session.async_payment_succeeded (delayed methods) as paid', () => {
    expect(verify(event('checkout.session.async_payment_succeeded', paidSession())).kind).toBe('payment-succeeded');
  });

  it('maps a completed but unpaid session (delayed payment) to other', () => {
    const notification = verify(
      event('checkout.session.completed', paidSession({ payment_status: 'unpaid', payment_intent: null })),
    );
    expect(notification).toMatchObject({ kind: 'other', orderNo: 'ORD_1001' });
  });

  it('maps checkout.session.expired to payment-closed', () => {
    const notification = verify(
      event(
        'checkout.session.expired',
        paidSession({ status: 'expired', payment_status: 'unpaid', payment_intent: null }),
      ),
    );
    expect(notification).toMatchObject({
      kind: 'payment-closed',
      orderNo: 'ORD_1001',
      providerTransactionId: 'cs_test_a1Unit',
    });
  });

  it('maps any other event type to other (acknowledged and ignored), with a best-effort amount', () => {
    const refunded = verify(
      event('charge.refunded', {
        id: 'ch_3X',
        object: 'charge',
        amount: 1230,
        amount_refunded: 1230,
        currency: 'cny',
        payment_intent: PI,
        metadata: {},
      }),
    );
    expect(refunded).toMatchObject({ kind: 'other', orderNo: '', providerTransactionId: PI, paidAt: undefined });
    expect(refunded.amount.equals(Money.of(1230, 'CNY'))).toBe(true);
    const customer = verify(event('customer.created', { id: 'cus_1', object: 'customer' }));
    expect(customer).toMatchObject({ kind: 'other', providerTransactionId: 'cus_1' });
    expect(customer.amount.amount).toBe(0);
    expect(
      verify(event('payment_intent.payment_failed', succeededIntent({ status: 'requires_payment_method' }))).kind,
    ).toBe('other');
  });

  it('ignores a paid event without our order number (another integration on the account)', () => {
    const notification = verify(event('payment_intent.succeeded', succeededIntent({ metadata: {} })));
    expect(notification.kind).toBe('other');
  });

  it('refuses a paid event whose client_reference_id and metadata.orderNo disagree', () => {
    const body = event('checkout.session.completed', paidSession({ metadata: { orderNo: 'ORD_OTHER' } }));
    expect(rejection(() => verify(body)).reason).toBe('MALFORMED');
  });

  it('refuses a paid event without PaymentIntent or with an unsupported currency', () => {
    expect(
      rejection(() => verify(event('checkout.session.completed', paidSession({ payment_intent: null })))).reason,
    ).toBe('MALFORMED');
    expect(rejection(() => verify(event('checkout.session.completed', paidSession({ currency: 'sek' })))).reason).toBe(
      'MALFORMED',
    );
  });

  it('refuses a verified body that is not an event', () => {
    const body = JSON.stringify({ hello: 'world' });
    expect(rejection(() => verify(body)).reason).toBe('MALFORMED');
    expect(rejection(() => verify('not json')).reason).toBe('MALFORMED');
  });
});

describe('StripeAdapter.verifyNotification: transport checks', () => {
  const body = event('checkout.session.completed', paidSession());

  it('accepts the header under any letter case', () => {
    expect(verify(body, { 'Stripe-Signature': sign(body) }).kind).toBe('payment-succeeded');
  });

  it('refuses other content types before anything else', () => {
    expect(rejection(() => verify(body, undefined, 'application/x-www-form-urlencoded')).reason).toBe(
      'UNSUPPORTED_CONTENT_TYPE',
    );
    expect(
      rejection(() => adapter.verifyNotification({ rawBody: body, contentType: undefined, headers: {} })).reason,
    ).toBe('UNSUPPORTED_CONTENT_TYPE');
  });

  it('refuses a missing, repeated or unparseable Stripe-Signature header as MALFORMED', () => {
    expect(rejection(() => verify(body, {})).reason).toBe('MALFORMED');
    expect(rejection(() => verify(body, { 'stripe-signature': [sign(body), sign(body)] })).reason).toBe('MALFORMED');
    expect(rejection(() => verify(body, { 'stripe-signature': 'v1=abc' })).reason).toBe('MALFORMED');
    expect(rejection(() => verify(body, { 'stripe-signature': `t=${T}` })).reason).toBe('MALFORMED');
    expect(rejection(() => verify(body, { 'stripe-signature': `t=${T},t=${T},v1=ab` })).reason).toBe('MALFORMED');
    expect(rejection(() => verify(body, { 'stripe-signature': `t=soon,v1=ab` })).reason).toBe('MALFORMED');
  });

  it('refuses stale and future timestamps and a bad signature', () => {
    expect(rejection(() => verify(body, { 'stripe-signature': sign(body, T - 301) })).reason).toBe('STALE_TIMESTAMP');
    expect(rejection(() => verify(body, { 'stripe-signature': sign(body, T + 301) })).reason).toBe('STALE_TIMESTAMP');
    expect(rejection(() => verify(body, { 'stripe-signature': sign(body, T, 'whsec_wrong') })).reason).toBe(
      'BAD_SIGNATURE',
    );
  });

  it('never echoes the secret, the signature or the body in its messages', () => {
    const signature = sign(body, T, 'whsec_wrong');
    const { message } = rejection(() => verify(body, { 'stripe-signature': signature }));
    expect(message).not.toContain(SECRET);
    expect(message).not.toContain(signature.slice(-64));
    expect(message).not.toContain('ORD_1001');
  });
});

describe('StripeAdapter answers and configuration', () => {
  it('acknowledges with 200 {"received":true} and refuses with 400, or 500 for internal errors', () => {
    expect(adapter.ackResponse()).toEqual({ status: 200, contentType: 'application/json', body: '{"received":true}' });
    expect(adapter.rejectResponse('BAD_SIGNATURE')).toEqual({
      status: 400,
      contentType: 'application/json',
      body: '{"error":"BAD_SIGNATURE"}',
    });
    expect(adapter.rejectResponse('INTERNAL_ERROR').status).toBe(500);
  });

  it('lists every configuration problem at once, without the values', () => {
    let error: unknown;
    try {
      new StripeAdapter({
        secretKey: 'pk_test_publishable',
        webhookSecret: 'not-a-secret',
        apiBaseUrl: 'ftp://example',
        toleranceSeconds: 0,
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProviderError);
    const details = (error as ProviderError).details as { problems: string[] };
    expect(details.problems).toHaveLength(4);
    expect((error as ProviderError).message).not.toContain('pk_test_publishable');
    expect((error as ProviderError).message).not.toContain('not-a-secret');
  });

  it('refuses a live key over plain http and an apiBaseUrl with a path', () => {
    expect(
      () => new StripeAdapter({ secretKey: 'sk_live_abc', webhookSecret: SECRET, apiBaseUrl: 'http://127.0.0.1:3103' }),
    ).toThrow(/https/);
    expect(
      () => new StripeAdapter({ secretKey: 'sk_test_abc', webhookSecret: SECRET, apiBaseUrl: 'http://127.0.0.1/v1' }),
    ).toThrow(/scheme, host and port/);
  });

  it('is verify-only without a secret key: API calls refuse with PROVIDER_CONFIG_INVALID', async () => {
    await expect(
      adapter.createPayment({
        orderNo: 'ORD_1',
        amount: Money.of(100, 'USD'),
        subject: 'x',
        method: 'checkout',
        notifyUrl: 'https://shop.example/notify/stripe',
      }),
    ).rejects.toMatchObject({ code: 'PROVIDER_CONFIG_INVALID' });
    await expect(adapter.queryPayment('ORD_1', { sessionId: 'cs_test_x' })).rejects.toMatchObject({
      code: 'PROVIDER_CONFIG_INVALID',
    });
  });

  it('refuses other methods, bad order numbers and expiries before calling Stripe', async () => {
    // Port 9 (discard): nothing listens, so a request that got through would fail with PROVIDER_UNAVAILABLE.
    const offline = new StripeAdapter({
      secretKey: 'sk_test_unit',
      webhookSecret: SECRET,
      apiBaseUrl: 'http://127.0.0.1:9',
      maxNetworkRetries: 0,
      now: () => NOW,
    });
    const request = {
      orderNo: 'ORD_1',
      amount: Money.of(100, 'USD'),
      subject: 'x',
      method: 'checkout' as const,
      notifyUrl: 'https://shop.example/notify/stripe',
    };
    await expect(offline.createPayment({ ...request, method: 'qr' })).rejects.toMatchObject({
      code: 'PROVIDER_METHOD_UNSUPPORTED',
    });
    await expect(offline.createPayment({ ...request, orderNo: 'has space' })).rejects.toMatchObject({
      code: 'PROVIDER_REQUEST_INVALID',
    });
    await expect(offline.createPayment({ ...request, timeoutExpress: '15m' })).rejects.toMatchObject({
      code: 'PROVIDER_REQUEST_INVALID',
    });
    await expect(offline.createPayment({ ...request, amount: Money.of(100_000_000, 'USD') })).rejects.toMatchObject({
      code: 'PROVIDER_REQUEST_INVALID',
    });
    await expect(offline.queryPayment('ORD_1', { sessionId: 'pi_123' })).rejects.toMatchObject({
      code: 'PROVIDER_REQUEST_INVALID',
    });
    await expect(offline.createPayment(request)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
  });
});
