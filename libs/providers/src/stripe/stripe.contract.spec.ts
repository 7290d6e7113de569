// Contract tests against the official `stripe` package: webhooks signed by its generateTestHeaderString must pass
// our notification verifier exactly when its own constructEvent would accept them, at our injected clock.
import Stripe from 'stripe';
import type { NotificationInput, NotificationVerdict, VerifiedNotification } from '../notification-verifier';
import { StripeNotificationVerifier } from './stripe-notification.verifier';

const SECRET = 'whsec_contractSecret0123456789abcdef';
const NOW = new Date('2026-11-27T02:00:00Z');
const T = Math.floor(NOW.getTime() / 1000);

const verifier = new StripeNotificationVerifier({ webhookSecret: SECRET, now: () => NOW });

// Pretty-printed as Stripe sends it: the signature covers these exact bytes.
const body = JSON.stringify(
  {
    id: 'evt_1ContractPaid00000000000',
    object: 'event',
    api_version: '2026-10-28.endive',
    created: T - 2,
    data: {
      object: {
        id: 'cs_test_a1Contract',
        object: 'checkout.session',
        amount_total: 1999,
        currency: 'usd',
        client_reference_id: 'ORD_C1',
        metadata: { orderNo: 'ORD_C1' },
        payment_intent: 'pi_3Contract0000000000000000',
        payment_status: 'paid',
        status: 'complete',
      },
    },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type: 'checkout.session.completed',
  },
  null,
  2,
);

function header(options: { timestamp?: number; secret?: string; payload?: string } = {}): string {
  return Stripe.webhooks.generateTestHeaderString({
    payload: options.payload ?? body,
    secret: options.secret ?? SECRET,
    timestamp: options.timestamp ?? T,
  });
}

function check(rawBody: string, signature: string): NotificationVerdict {
  return verifier.verify({
    rawBody,
    contentType: 'application/json; charset=utf-8',
    headers: { 'stripe-signature': signature },
  });
}

function verify(rawBody: string, signature: string): VerifiedNotification {
  const verdict = check(rawBody, signature);
  if (!verdict.ok) throw new Error(`expected the webhook to verify, got ${verdict.reason}`);
  return verdict.notification;
}

/** The refusal's reason, or 'accepted'. */
function reasonOf(verdict: NotificationVerdict): string {
  return verdict.ok ? 'accepted' : verdict.reason;
}

describe('Stripe webhooks: our notification verifier against the official SDK', () => {
  it('accepts a webhook signed by stripe.webhooks.generateTestHeaderString', () => {
    const signature = header();
    // The SDK itself agrees at the same clock.
    expect(Stripe.webhooks.constructEvent(body, signature, SECRET, 300, undefined, NOW.getTime()).id).toBe(
      'evt_1ContractPaid00000000000',
    );
    const notification = verify(body, signature);
    expect(notification).toMatchObject({
      provider: 'stripe',
      kind: 'payment-succeeded',
      notificationKey: 'evt_1ContractPaid00000000000',
      orderNo: 'ORD_C1',
      providerTransactionId: 'pi_3Contract0000000000000000',
    });
    expect(notification.amount.toJSON()).toEqual({ amount: 1999, currency: 'USD' });
  });

  it('accepts the header passed as bytes-equivalent text with several v1 signatures (secret rotation)', () => {
    const good = header();
    const rotated = `${good},v1=${'0'.repeat(64)}`;
    expect(verify(body, rotated).kind).toBe('payment-succeeded');
  });

  it('rejects a body changed after signing, even by one space', () => {
    const signature = header();
    expect(reasonOf(check(body.replace('1999', '2999'), signature))).toBe('BAD_SIGNATURE');
    expect(reasonOf(check(`${body} `, signature))).toBe('BAD_SIGNATURE');
    // Re-serialised JSON is a different text: it must fail too.
    expect(reasonOf(check(JSON.stringify(JSON.parse(body)), signature))).toBe('BAD_SIGNATURE');
  });

  it('rejects a signature made with another secret', () => {
    expect(reasonOf(check(body, header({ secret: 'whsec_someoneElse000000000000000' })))).toBe('BAD_SIGNATURE');
  });

  it('rejects a timestamp older than 300 s and one more than 300 s ahead, and accepts the edges', () => {
    expect(reasonOf(check(body, header({ timestamp: T - 301 })))).toBe('STALE_TIMESTAMP');
    expect(reasonOf(check(body, header({ timestamp: T + 301 })))).toBe('STALE_TIMESTAMP');
    expect(reasonOf(check(body, header({ timestamp: T - 300 })))).toBe('accepted');
    expect(reasonOf(check(body, header({ timestamp: T + 300 })))).toBe('accepted');
  });

  it('checks the window against the injected clock, not the machine clock', () => {
    const late = new StripeNotificationVerifier({
      webhookSecret: SECRET,
      now: () => new Date(NOW.getTime() + 301_000),
    });
    const input: NotificationInput = {
      rawBody: body,
      contentType: 'application/json',
      headers: { 'Stripe-Signature': header() },
    };
    expect(reasonOf(late.verify(input))).toBe('STALE_TIMESTAMP');
    const tolerant = new StripeNotificationVerifier({
      webhookSecret: SECRET,
      toleranceSeconds: 600,
      now: () => new Date(NOW.getTime() + 301_000),
    });
    expect(tolerant.verify(input)).toMatchObject({ ok: true, notification: { kind: 'payment-succeeded' } });
  });

  it('verifies a signature whose timestamp was replaced as a bad signature (t is signed)', () => {
    const forged = header().replace(`t=${T}`, `t=${T + 1}`);
    expect(reasonOf(check(body, forged))).toBe('BAD_SIGNATURE');
  });
});
