import 'reflect-metadata';
import { deterministicEventId } from '@shop/contracts';
import { Money } from '@shop/money';
import { StripeSimulator, generateStripeSecrets, type StripePayOptions } from '@shop/provider-simulators';
import { StripeClient } from '@shop/providers';
import { CallbackHarness, withOutcomes } from '../../test/callback-harness';

const JSON_TYPE = 'application/json';
const ACK = '{"received":true}';

// notification-ingest end to end on the real Kafka and PostgreSQL: a faithful Stripe simulator delivers signed
// webhooks (re-signed on every delivery, as Stripe does) to the service on a random port; the merchant side opens
// Checkout Sessions through the official client in a StripeClient.
describe('POST /callbacks/stripe', () => {
  let harness: CallbackHarness;
  let simulator: StripeSimulator;
  let merchant: StripeClient;

  beforeAll(async () => {
    const secrets = generateStripeSecrets();
    harness = await CallbackHarness.start({
      STRIPE_WEBHOOK_SECRET: secrets.webhookSecret,
      CALLBACK_REJECTIONS_PER_MINUTE: '100000',
    });
    simulator = new StripeSimulator({ ...secrets, webhookUrl: harness.url('stripe') });
    merchant = new StripeClient({
      secretKey: secrets.secretKey,
      apiBaseUrl: await simulator.start(),
      maxNetworkRetries: 0,
    });
  });

  afterAll(async () => {
    await simulator?.stop();
    await harness?.stop();
  });

  /** An order the order-service announced, with an open Checkout Session for it. */
  async function knownSession(totalCents: number): Promise<string> {
    const orderNo = harness.newOrderNo();
    await harness.knownOrder(orderNo, totalCents, 'USD');
    const session = await merchant.createPayment({
      orderNo,
      amount: Money.of(totalCents, 'USD'),
      subject: 'Gift box',
      method: 'checkout',
      notifyUrl: harness.url('stripe'),
    });
    expect(session.kind).toBe('checkout');
    return orderNo;
  }

  const nowSeconds = (): number => Math.floor(Date.now() / 1000);

  it.each([
    ['checkout.session.completed first', false],
    ['payment_intent.succeeded first', true],
  ])(
    'acknowledges both paid events of one payment (%s), stores both and publishes ONE PaymentSucceeded',
    async (_case, outOfOrder) => {
      const orderNo = await knownSession(2_599);
      const { result, outcomes } = await withOutcomes(harness, 'stripe', () => simulator.pay(orderNo, { outOfOrder }));
      expect(outcomes).toEqual({ accepted: 1, duplicate: 1 });
      expect(result.deliveries.map((d) => [d.type, d.status, d.body])).toEqual(
        (outOfOrder
          ? ['payment_intent.succeeded', 'checkout.session.completed']
          : ['checkout.session.completed', 'payment_intent.succeeded']
        ).map((type) => [type, 200, ACK]),
      );

      const paymentIntent = result.session.payment_intent!;
      const eventId = deterministicEventId('stripe', paymentIntent, 'PaymentSucceeded');
      const rows = await harness.rowsOf(orderNo);
      expect(rows.map((r) => [r.notification_key, r.trade_status, r.classification, r.event_id])).toEqual(
        result.events.map((e) => [e.id, e.type, 'payment', eventId]),
      );
      expect(rows.map((r) => r.raw_body)).toEqual(result.events.map((e) => e.rawBody));
      expect(rows.every((r) => r.provider_transaction_id === paymentIntent && r.amount === '2599')).toBe(true);
      expect(await harness.outboxCount(orderNo)).toBe(1);
      expect(await harness.settledPaymentsOf(orderNo)).toEqual([
        expect.objectContaining({
          eventId,
          key: orderNo,
          payload: expect.objectContaining({
            orderNo,
            provider: 'stripe',
            providerTransactionId: paymentIntent,
            amount: 2_599,
            currency: 'USD',
          }),
        }),
      ]);
    },
  );

  it('answers 10 concurrent deliveries of one event (each signed afresh) with 2xx and writes one event', async () => {
    const orderNo = await knownSession(1_500);
    // The first delivery of the event went nowhere (our endpoint unreachable): Stripe redelivers it.
    const { events } = await simulator.pay(orderNo, {
      events: ['checkout.session.completed'],
      webhookUrl: `${harness.baseUrl}/nowhere`,
    });
    const [{ rawBody }] = events;
    const now = nowSeconds();
    const { result, outcomes } = await withOutcomes(harness, 'stripe', () =>
      Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          simulator.postWebhook(harness.url('stripe'), rawBody, { timestamp: now - i }),
        ),
      ),
    );
    expect(outcomes).toEqual({ accepted: 1, duplicate: 9 });
    expect(result.map((r) => r.status)).toEqual(Array.from({ length: 10 }, () => 200));
    expect(await harness.rowsOf(orderNo)).toHaveLength(1);
    expect(await harness.outboxCount(orderNo)).toBe(1);
    expect(await harness.settledPaymentsOf(orderNo)).toHaveLength(1);
  });

  it('acknowledges a byte-exact copy (same t, same body) and a re-signed retry as duplicates: one event', async () => {
    // Stripe signs no nonce: an identical copy is either two honest deliveries in one second or a replay, and
    // either way the event id makes it a duplicate with no effect; the 300 s tolerance bounds how late it can be.
    const orderNo = await knownSession(4_200);
    const now = nowSeconds();
    const { result: copied, outcomes } = await withOutcomes(harness, 'stripe', () =>
      simulator.pay(orderNo, { events: ['checkout.session.completed'], timestamp: now, times: 2 }),
    );
    expect(outcomes).toEqual({ accepted: 1, duplicate: 1 });
    expect(copied.deliveries.map((d) => d.status)).toEqual([200, 200]);
    expect(await harness.rowsOf(orderNo)).toHaveLength(1);

    const { result: retried, outcomes: retryOutcomes } = await withOutcomes(harness, 'stripe', () =>
      simulator.postWebhook(harness.url('stripe'), copied.events[0].rawBody, { timestamp: now - 5 }),
    );
    expect(retryOutcomes).toEqual({ duplicate: 1 });
    expect([retried.status, retried.body]).toEqual([200, ACK]);
    expect(await harness.rowsOf(orderNo)).toHaveLength(1);
    expect(await harness.settledPaymentsOf(orderNo)).toHaveLength(1);
  });

  it.each([
    ['a NUL', 'x\\u0000y'],
    ['a lone surrogate', 'x\\ud800y'],
  ])('stores a genuinely signed event whose kept text (api_version) holds %s, without a 5xx', async (_c, odd) => {
    // Stripe signs what it sends; text the service keeps in `fields` must be storable whatever it holds.
    const orderNo = await knownSession(3_100);
    const unsent = await simulator.pay(orderNo, {
      events: ['checkout.session.completed'],
      webhookUrl: `${harness.baseUrl}/not-a-callback`,
    });
    const rawBody = unsent.events[0].rawBody.replace(/"api_version": ?"/, `"api_version": "${odd}`);
    expect(rawBody).toContain(odd);
    const { result, outcomes } = await withOutcomes(harness, 'stripe', () =>
      simulator.postWebhook(harness.url('stripe'), rawBody),
    );
    expect([result.status, result.body]).toEqual([200, ACK]);
    expect(outcomes).toEqual({ accepted: 1 });
    expect(await harness.rowsOf(orderNo)).toHaveLength(1);
    expect(await harness.outboxCount(orderNo)).toBe(1);
  });

  describe('refuses with 4xx, stores nothing and publishes nothing for', () => {
    it.each<[string, () => StripePayOptions]>([
      ['an amount changed after signing', () => ({ tamper: true })],
      ['a signature with another endpoint’s secret', () => ({ secret: generateStripeSecrets().webhookSecret })],
      ['a signed timestamp 301 s old', () => ({ timestamp: nowSeconds() - 301 })],
      ['a signed timestamp 301 s ahead', () => ({ timestamp: nowSeconds() + 301 })],
    ])('%s', async (_case, options) => {
      const orderNo = await knownSession(12_345);
      const { result, outcomes } = await withOutcomes(harness, 'stripe', () => simulator.pay(orderNo, options()));
      expect(outcomes).toEqual({ rejected_signature: 2 });
      expect(result.deliveries.map((d) => d.status)).toEqual([400, 400]);
      expect(await harness.rowsOf(orderNo)).toEqual([]);
      expect(await harness.outboxCount(orderNo)).toBe(0);
    });

    it('a body over 64 KB, with 413 (64 KB exactly still reaches the verifier)', async () => {
      const limit = 64 * 1024;
      const padded = (size: number) => `{"id":"${'x'.repeat(size - 9)}"}`;
      const { outcomes } = await withOutcomes(harness, 'stripe', async () => {
        const atLimit = await harness.post('stripe', padded(limit), JSON_TYPE);
        expect(atLimit.statusCode).toBe(400); // no Stripe-Signature: refused as malformed
        const over = await harness.post('stripe', padded(limit + 1), JSON_TYPE);
        expect(over.statusCode).toBe(413);
      });
      expect(outcomes).toEqual({ rejected_malformed: 1, rejected_too_large: 1 });
    });

    it('another content type than JSON: 400 from the verifier, 415 without a parser', async () => {
      const { outcomes } = await withOutcomes(harness, 'stripe', async () => {
        expect((await harness.post('stripe', '{"id":"evt_1"}', 'text/plain')).statusCode).toBe(400);
        expect((await harness.post('stripe', '<xml/>', 'application/xml')).statusCode).toBe(415);
      });
      expect(outcomes).toEqual({ rejected_content_type: 2 });
    });
  });

  describe('acknowledges and ignores (stored, no event)', () => {
    it('an event type that is no payment, about no order of ours', async () => {
      const { result, outcomes } = await withOutcomes(harness, 'stripe', () =>
        simulator.sendEvent('customer.created', { id: 'cus_TestCustomer0001', object: 'customer', email: null }),
      );
      expect(outcomes).toEqual({ ignored: 1 });
      expect([result.status, result.body]).toEqual([200, ACK]);
      const [row] = await harness.db.query(
        'SELECT order_no, trade_status, kind, classification, event_id FROM provider_notifications WHERE notification_key = $1',
        [result.events[0].id],
      );
      expect(row).toEqual({
        order_no: '',
        trade_status: 'customer.created',
        kind: 'other',
        classification: 'non_payment',
        event_id: null,
      });
    });

    it('a payment failure of a known order, and a completed session that is not paid yet', async () => {
      const orderNo = await knownSession(3_300);
      const session = simulator.session(orderNo)!;
      const { outcomes } = await withOutcomes(harness, 'stripe', async () => {
        const failed = await simulator.sendEvent('payment_intent.payment_failed', {
          id: 'pi_3FailedIntent000000000001',
          object: 'payment_intent',
          amount: 3_300,
          currency: 'usd',
          metadata: { orderNo },
          status: 'requires_payment_method',
        });
        const unpaid = await simulator.sendEvent('checkout.session.completed', {
          ...session,
          status: 'complete',
          payment_status: 'unpaid',
        });
        expect([failed.status, unpaid.status]).toEqual([200, 200]);
      });
      expect(outcomes).toEqual({ ignored: 2 });
      expect((await harness.rowsOf(orderNo)).map((r) => [r.trade_status, r.classification])).toEqual([
        ['payment_intent.payment_failed', 'non_payment'],
        ['checkout.session.completed', 'non_payment'],
      ]);
      expect(await harness.outboxCount(orderNo)).toBe(0);
    });
  });
});
