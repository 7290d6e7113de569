import { createHmac } from 'node:crypto';
import { Money } from '@shop/money';
import type { NotificationRejection, VerifiedNotification } from '../notification-verifier';
import { ProviderError } from '../provider-error';
import { paymentSucceededEventId } from '@shop/contracts';
import { StripeNotificationVerifier } from './stripe-notification.verifier';

const SECRET = 'whsec_unitSecret0123456789abcdefgh';
const NOW = new Date('2026-11-27T02:00:00Z');
const T = Math.floor(NOW.getTime() / 1000);
const PI = 'pi_3UnitTest000000000000000';

const verifier = new StripeNotificationVerifier({ webhookSecret: SECRET, now: () => NOW });

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

function check(
  rawBody: string,
  headers: Record<string, string | string[] | undefined> = { 'stripe-signature': sign(rawBody) },
  contentType = 'application/json',
) {
  return verifier.verify({ rawBody, contentType, headers });
}

function verify(...args: Parameters<typeof check>): VerifiedNotification {
  const verdict = check(...args);
  if (!verdict.ok) throw new Error(`expected the webhook to verify, got ${verdict.reason}`);
  return verdict.notification;
}

function rejection(...args: Parameters<typeof check>): NotificationRejection {
  const verdict = check(...args);
  if (verdict.ok) throw new Error('expected a rejection');
  return verdict;
}

describe('StripeNotificationVerifier.verify: mapping', () => {
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

  it('maps charge.refunded and refund.* to refund (never a payment), with our refund key when the refund has it', () => {
    const updated = verify(
      event('refund.updated', {
        id: 're_3X',
        object: 'refund',
        amount: 100,
        currency: 'cny',
        payment_intent: PI,
        status: 'succeeded',
        metadata: { order_no: 'ORD_1001', refund_no: 'RF0123' },
      }),
    );
    expect(updated).toMatchObject({ kind: 'refund', refundNo: 'RF0123', providerTransactionId: PI });
  });

  it('maps any other event type to other (acknowledged and ignored), with a best-effort amount (a refund too)', () => {
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
    expect(refunded).toMatchObject({ kind: 'refund', orderNo: '', providerTransactionId: PI, paidAt: undefined });
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
    expect(rejection(body).reason).toBe('MALFORMED');
  });

  it('refuses a paid event without PaymentIntent or with an unsupported currency', () => {
    expect(rejection(event('checkout.session.completed', paidSession({ payment_intent: null }))).reason).toBe(
      'MALFORMED',
    );
    expect(rejection(event('checkout.session.completed', paidSession({ currency: 'sek' }))).reason).toBe('MALFORMED');
  });

  it('refuses a verified body that is not an event', () => {
    const body = JSON.stringify({ hello: 'world' });
    expect(rejection(body).reason).toBe('MALFORMED');
    expect(rejection('not json').reason).toBe('MALFORMED');
  });
});

describe('StripeNotificationVerifier.verify: transport checks', () => {
  const body = event('checkout.session.completed', paidSession());

  it('accepts the header under any letter case', () => {
    expect(verify(body, { 'Stripe-Signature': sign(body) }).kind).toBe('payment-succeeded');
  });

  it('refuses other content types before anything else', () => {
    expect(rejection(body, undefined, 'application/x-www-form-urlencoded').reason).toBe('UNSUPPORTED_CONTENT_TYPE');
    expect(verifier.verify({ rawBody: body, contentType: undefined, headers: {} })).toMatchObject({
      ok: false,
      reason: 'UNSUPPORTED_CONTENT_TYPE',
    });
  });

  it('refuses a missing, repeated or unparseable Stripe-Signature header as MALFORMED', () => {
    expect(rejection(body, {}).reason).toBe('MALFORMED');
    expect(rejection(body, { 'stripe-signature': [sign(body), sign(body)] }).reason).toBe('MALFORMED');
    expect(rejection(body, { 'stripe-signature': 'v1=abc' }).reason).toBe('MALFORMED');
    expect(rejection(body, { 'stripe-signature': `t=${T}` }).reason).toBe('MALFORMED');
    expect(rejection(body, { 'stripe-signature': `t=${T},t=${T},v1=ab` }).reason).toBe('MALFORMED');
    expect(rejection(body, { 'stripe-signature': `t=soon,v1=ab` }).reason).toBe('MALFORMED');
  });

  it('refuses stale and future timestamps and a bad signature', () => {
    expect(rejection(body, { 'stripe-signature': sign(body, T - 301) }).reason).toBe('STALE_TIMESTAMP');
    expect(rejection(body, { 'stripe-signature': sign(body, T + 301) }).reason).toBe('STALE_TIMESTAMP');
    expect(rejection(body, { 'stripe-signature': sign(body, T, 'whsec_wrong') }).reason).toBe('BAD_SIGNATURE');
  });

  it('never echoes the secret, the signature or the body in its messages', () => {
    const signature = sign(body, T, 'whsec_wrong');
    const { detail } = rejection(body, { 'stripe-signature': signature });
    expect(detail).toBeDefined();
    expect(detail).not.toContain(SECRET);
    expect(detail).not.toContain(signature.slice(-64));
    expect(detail).not.toContain('ORD_1001');
  });
});

describe('StripeNotificationVerifier answers and configuration', () => {
  it('acknowledges with 200 {"received":true} and refuses with 400, or 500 for internal errors', () => {
    expect(verifier.acknowledge()).toEqual({
      status: 200,
      contentType: 'application/json',
      body: '{"received":true}',
    });
    expect(verifier.reject('BAD_SIGNATURE')).toEqual({
      status: 400,
      contentType: 'application/json',
      body: '{"error":"BAD_SIGNATURE"}',
    });
    expect(verifier.reject('INTERNAL_ERROR').status).toBe(500);
  });

  it('lists every configuration problem at once, without the values', () => {
    let error: unknown;
    try {
      new StripeNotificationVerifier({ webhookSecret: 'not-a-secret', toleranceSeconds: 0 });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProviderError);
    const details = (error as ProviderError).details as { problems: string[] };
    expect(details.problems).toHaveLength(2);
    expect((error as ProviderError).message).not.toContain('not-a-secret');
  });

  it('needs only the webhook secret: it holds no API key and cannot call Stripe', () => {
    const receiving = new StripeNotificationVerifier({ webhookSecret: SECRET, now: () => NOW });
    const body = event('checkout.session.completed', paidSession());
    expect(
      receiving.verify({ rawBody: body, contentType: 'application/json', headers: { 'stripe-signature': sign(body) } }),
    ).toMatchObject({ ok: true, notification: { kind: 'payment-succeeded' } });
    expect('createPayment' in receiving).toBe(false);
    expect('queryPayment' in receiving).toBe(false);
  });
});
