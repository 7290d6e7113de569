import { randomBytes, randomUUID } from 'node:crypto';
import { Partitioners, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { Topics, deterministicEventId, paymentSucceededEventId, type EventEnvelope } from '@shop/contracts';
import { KAFKA_SETTINGS, createKafka, physicalName, type KafkaSettings } from '@shop/messaging';
import {
  StripeSimulator,
  UnionPaySimulator,
  WechatPaySimulator,
  generateStripeSecrets,
  generateUnionPayCertificates,
  generateWechatPayKeys,
} from '@shop/provider-simulators';
import { parseUnionPayTime } from '@shop/providers';
import { eventually, startServiceForTest, type RunningService } from '@shop/testing';
import type { PaymentGatewayConfig } from '../payment-gateway.config';
import { service } from '../service';

const CALLBACK_BASE_URL = 'https://pay.example.test';
const WECHAT_APP_ID = 'wx5555555555555555';
const WECHAT_MCH_ID = '1900000555';
const WECHAT_API_V3_KEY = 'k1X2c3V4b5N6m7A8s9D0f1G2h3J4k5L6';
const UNIONPAY_MER_ID = '777290058155555';

interface AttemptRow {
  id: string;
  status: string;
  provider_reference: string | null;
}

function newOrderNo(): string {
  return `ORD${randomBytes(6).toString('hex').toUpperCase()}`;
}

// The payment-gateway with WeChat Pay, UnionPay and Stripe at once, each played by its simulator, on the real
// Kafka and PostgreSQL: opening payments, the active query (a lost notification found by asking, with the very
// event id the callback would produce) and closing the provider transaction of a cancelled order.
describe('payment-gateway with WeChat Pay, UnionPay and Stripe', () => {
  let wechat: WechatPaySimulator;
  let unionpay: UnionPaySimulator;
  let stripe: StripeSimulator;
  let gateway: RunningService<PaymentGatewayConfig>;
  let db: DataSource;
  let settings: KafkaSettings;
  let producer: Producer;

  beforeAll(async () => {
    const [wechatKeys, certs] = await Promise.all([
      generateWechatPayKeys({ platformCertificate: true }),
      generateUnionPayCertificates(),
    ]);
    const stripeSecrets = generateStripeSecrets();
    wechat = new WechatPaySimulator({
      appId: WECHAT_APP_ID,
      mchId: WECHAT_MCH_ID,
      apiV3Key: WECHAT_API_V3_KEY,
      merchantPublicKey: wechatKeys.merchant.publicKeyPem,
      merchantCertSerial: wechatKeys.merchant.certSerial,
      platformPrivateKey: wechatKeys.platform.privateKeyPem,
      platformSerial: wechatKeys.platform.publicKeyId,
    });
    unionpay = new UnionPaySimulator({
      merId: UNIONPAY_MER_ID,
      merchantCert: certs.merchant.certPem,
      signCert: certs.sign.certPem,
      signKey: certs.sign.privateKey,
    });
    stripe = new StripeSimulator({ ...stripeSecrets });
    await Promise.all([wechat.start(), unionpay.start(), stripe.start()]);
    gateway = await startServiceForTest(service, {
      CALLBACK_BASE_URL,
      WECHATPAY_APP_ID: WECHAT_APP_ID,
      WECHATPAY_MCH_ID: WECHAT_MCH_ID,
      WECHATPAY_API_V3_KEY: WECHAT_API_V3_KEY,
      // PEM with literal "\n", as an env file holds it.
      WECHATPAY_PRIVATE_KEY: wechatKeys.merchant.privateKeyPem.replace(/\n/g, '\\n'),
      WECHATPAY_CERT_SERIAL: wechatKeys.merchant.certSerial,
      WECHATPAY_PUBLIC_KEY: wechatKeys.platform.publicKeyPem,
      WECHATPAY_PUBLIC_KEY_ID: wechatKeys.platform.publicKeyId,
      // Both verification modes at once, as during WeChat Pay's migration from certificates to the public key.
      WECHATPAY_PLATFORM_CERTS: wechatKeys.platformCertificate!.certificatePem,
      WECHATPAY_BASE_URL: wechat.baseUrl,
      UNIONPAY_MER_ID,
      UNIONPAY_SIGN_PRIVATE_KEY: certs.merchant.privateKeyPem,
      UNIONPAY_SIGN_CERT_ID: certs.merchant.certId,
      UNIONPAY_ROOT_CERT: certs.root.certPem,
      UNIONPAY_MIDDLE_CERT: certs.middle.certPem,
      UNIONPAY_GATEWAY_URL: unionpay.baseUrl,
      STRIPE_SECRET_KEY: stripeSecrets.secretKey,
      STRIPE_API_BASE_URL: stripe.baseUrl,
      // The active query asks about attempts older than a second, every 200 ms.
      PAYMENT_QUERY_AFTER_SECONDS: '1',
      QUERY_SWEEP_INTERVAL_MS: '200',
      PAYMENT_QUERY_BACKOFF_SECONDS: '1',
    });
    db = gateway.app.get(DataSource);
    settings = gateway.app.get<KafkaSettings>(KAFKA_SETTINGS);
    producer = createKafka({ ...settings, clientId: 'payment-gateway-providers-test' }).producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
  }, 120_000);

  afterAll(async () => {
    await producer?.disconnect();
    await gateway?.stop();
    await Promise.all([wechat?.stop(), unionpay?.stop(), stripe?.stop()]);
  });

  async function pay(orderNo: string, provider: string, method: string, amount = 12_800) {
    return gateway.request({
      method: 'POST',
      url: '/internal/v1/payments',
      payload: { orderNo, amount, currency: 'CNY', subject: 'Shop order 龙井', provider, method },
    });
  }

  async function attemptOf(orderNo: string): Promise<AttemptRow> {
    const rows: AttemptRow[] = await db.query(
      'SELECT id, status, provider_reference FROM payment_attempts WHERE order_no = $1',
      [orderNo],
    );
    expect(rows).toHaveLength(1);
    return rows[0];
  }

  async function publishedPaymentOf(orderNo: string): Promise<{ event_id: string; payload: unknown } | undefined> {
    const rows: { event_id: string; payload: unknown }[] = await db.query(
      `SELECT event_id, envelope->'payload' AS payload FROM outbox_events
       WHERE message_key = $1 AND envelope->>'type' = 'PaymentSucceeded'`,
      [orderNo],
    );
    expect(rows.length).toBeLessThanOrEqual(1);
    return rows[0];
  }

  async function cancel(orderNo: string): Promise<string> {
    const envelope: EventEnvelope = {
      eventId: randomUUID(),
      type: 'OrderCancelled',
      version: 1,
      occurredAt: new Date().toISOString(),
      key: orderNo,
      producer: 'test',
      payload: { orderNo, customerId: 'customer-1', reason: 'expired', cancelledAt: new Date().toISOString() },
    };
    await producer.send({
      topic: physicalName(settings, Topics.OrderCancelled),
      acks: -1,
      messages: [{ key: orderNo, value: JSON.stringify(envelope) }],
    });
    return envelope.eventId;
  }

  /** Waits until the payment-gateway applied an event (its inbox row is committed with the effect). */
  async function applied(eventId: string): Promise<void> {
    await eventually(
      async () => {
        const rows: unknown[] = await db.query('SELECT 1 FROM inbox_events WHERE event_id = $1', [eventId]);
        return rows.length === 1 ? true : undefined;
      },
      { message: `event ${eventId} applied` },
    );
  }

  it('refuses a method the provider does not have with 400 UNSUPPORTED_METHOD', async () => {
    const response = await pay(newOrderNo(), 'stripe', 'page');
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      code: 'UNSUPPORTED_METHOD',
      details: { provider: 'stripe', method: 'page', supported: ['checkout'] },
    });
  });

  it('opens every provider’s payment to expire with the order (payBy), and refuses a deadline already passed', async () => {
    const payBy = new Date(Date.now() + 20 * 60_000);
    const withDeadline = async (provider: string, method: string) => {
      const orderNo = newOrderNo();
      const response = await gateway.request({
        method: 'POST',
        url: '/internal/v1/payments',
        payload: {
          orderNo,
          amount: 500,
          currency: 'CNY',
          subject: 'Shop order',
          provider,
          method,
          payBy: payBy.toISOString(),
        },
      });
      expect(response.statusCode).toBe(201);
      return { orderNo, body: response.json<{ form?: { fields: Record<string, string> } }>() };
    };
    const minute = 60_000;
    const wechatOrder = await withDeadline('wechatpay', 'native');
    const wechatExpiry = new Date(wechat.trade(wechatOrder.orderNo)!.timeExpire!).getTime();
    expect(wechatExpiry - payBy.getTime()).toBeGreaterThanOrEqual(-1000);
    expect(wechatExpiry - payBy.getTime()).toBeLessThan(minute + 1000);
    // UnionPay cannot close a consume: its payTimeout (China time) is the only end it has.
    const unionPayOrder = await withDeadline('unionpay', 'page');
    const payTimeout = parseUnionPayTime(unionPayOrder.body.form!.fields.payTimeout)!.getTime();
    expect(payTimeout - payBy.getTime()).toBeGreaterThanOrEqual(-1000);
    expect(payTimeout - payBy.getTime()).toBeLessThan(minute + 1000);
    // Stripe's minimum is 30 minutes (31 with a minute to spare): the session outlives the order, whose expiry
    // expires it.
    const stripeOrder = await withDeadline('stripe', 'checkout');
    const expiresAt = stripe.session(stripeOrder.orderNo)!.expires_at * 1000;
    expect(expiresAt - Date.now()).toBeGreaterThan(30 * minute);
    // Rounded up to the next five minutes, so that a retry of the same payment sends the same expires_at.
    expect(expiresAt - Date.now()).toBeLessThan(36 * minute);
    expect(expiresAt % 300_000).toBe(0);

    const lateOrder = newOrderNo();
    const late = await gateway.request({
      method: 'POST',
      url: '/internal/v1/payments',
      payload: {
        orderNo: lateOrder,
        amount: 500,
        currency: 'CNY',
        subject: 'Shop order',
        provider: 'wechatpay',
        method: 'native',
        payBy: new Date(Date.now() - 1000).toISOString(),
      },
    });
    expect(late.statusCode).toBe(409);
    expect(late.json()).toMatchObject({ code: 'ORDER_PAYMENT_EXPIRED', details: { orderNo: lateOrder } });
    expect(await db.query('SELECT 1 FROM payment_attempts WHERE order_no = $1', [lateOrder])).toEqual([]);
    expect(wechat.trade(lateOrder)).toBeUndefined();
  });

  describe('WeChat Pay', () => {
    it('opens a Native payment: 201 with the code_url, the notify_url under CALLBACK_BASE_URL', async () => {
      const orderNo = newOrderNo();
      const response = await pay(orderNo, 'wechatpay', 'native', 1_234);
      expect(response.statusCode).toBe(201);
      const body = response.json<{ paymentId: string; provider: string; codeUrl: string }>();
      expect(body).toMatchObject({ provider: 'wechatpay', method: 'native', status: 'PENDING' });
      const trade = wechat.trade(orderNo);
      expect(trade).toMatchObject({ total: 1_234, notifyUrl: `${CALLBACK_BASE_URL}/callbacks/wechatpay` });
      expect(body.codeUrl).toBe(trade?.codeUrl);
      expect(await attemptOf(orderNo)).toMatchObject({ id: body.paymentId, provider_reference: null });
    });

    it('finds a payment whose notification was lost by asking, under the callback’s event id', async () => {
      const orderNo = newOrderNo();
      expect((await pay(orderNo, 'wechatpay', 'native', 990)).statusCode).toBe(201);
      const trade = wechat.markPaidWithoutNotify(orderNo);
      const published = await eventually(() => publishedPaymentOf(orderNo), {
        message: 'the active query published PaymentSucceeded',
      });
      expect(published.event_id).toBe(deterministicEventId('wechatpay', trade.transactionId!, 'PaymentSucceeded'));
      expect(published.payload).toMatchObject({
        orderNo,
        provider: 'wechatpay',
        providerTransactionId: trade.transactionId,
        amount: 990,
        currency: 'CNY',
      });
    });

    it('closes the WeChat Pay trade of a cancelled order', async () => {
      const orderNo = newOrderNo();
      expect((await pay(orderNo, 'wechatpay', 'native')).statusCode).toBe(201);
      await applied(await cancel(orderNo));
      expect(wechat.trade(orderNo)?.tradeState).toBe('CLOSED');
      expect((await attemptOf(orderNo)).status).toBe('CLOSED');
    });
  });

  describe('UnionPay', () => {
    it('answers a signed frontTransReq form whose backUrl is under CALLBACK_BASE_URL and keeps its txnTime', async () => {
      const orderNo = newOrderNo();
      const response = await pay(orderNo, 'unionpay', 'page', 4_321);
      expect(response.statusCode).toBe(201);
      const body = response.json<{ paymentId: string; form: { action: string; fields: Record<string, string> } }>();
      expect(body).toMatchObject({ provider: 'unionpay', method: 'page', status: 'PENDING' });
      expect(body.form.action).toBe(`${unionpay.baseUrl}/frontTransReq.do`);
      expect(body.form.fields).toMatchObject({
        merId: UNIONPAY_MER_ID,
        orderId: orderNo,
        txnAmt: '4321',
        currencyCode: '156',
        backUrl: `${CALLBACK_BASE_URL}/callbacks/unionpay`,
      });
      expect(body.form.fields.signature).toEqual(expect.any(String));
      expect(await attemptOf(orderNo)).toMatchObject({
        id: body.paymentId,
        provider_reference: body.form.fields.txnTime,
      });
    });

    it('finds a paid consume by queryTrans.do with the stored txnTime, under the callback’s event id', async () => {
      const orderNo = newOrderNo();
      const response = await pay(orderNo, 'unionpay', 'page', 777);
      const { action, fields } = response.json<{ form: { action: string; fields: Record<string, string> } }>().form;
      // The buyer's browser posts the form to UnionPay: then the simulator knows the consume.
      const submitted = await fetch(action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
      expect(submitted.status).toBe(200);
      const trade = unionpay.markPaidWithoutNotify(orderNo);
      const published = await eventually(() => publishedPaymentOf(orderNo), {
        message: 'the active query published PaymentSucceeded',
      });
      expect(published.event_id).toBe(deterministicEventId('unionpay', trade.queryId, 'PaymentSucceeded'));
      expect(published.payload).toMatchObject({ orderNo, provider: 'unionpay', amount: 777, currency: 'CNY' });
    });

    /** Opens a UnionPay consume and posts its form as the buyer's browser would. */
    async function submittedConsume(orderNo: string, amount: number): Promise<void> {
      const response = await pay(orderNo, 'unionpay', 'page', amount);
      const { action, fields } = response.json<{ form: { action: string; fields: Record<string, string> } }>().form;
      const submitted = await fetch(action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
      expect(submitted.status).toBe(200);
    }

    it('never marks a cancelled order’s consume closed without asking: a payment made meanwhile is found', async () => {
      const orderNo = newOrderNo();
      await submittedConsume(orderNo, 555);
      await applied(await cancel(orderNo));
      // UnionPay has no close call: the consume stays payable until payTimeout, so the attempt stays open.
      expect((await attemptOf(orderNo)).status).toBe('PENDING');
      const trade = unionpay.markPaidWithoutNotify(orderNo);
      const published = await eventually(() => publishedPaymentOf(orderNo), {
        message: 'the active query found the payment of the cancelled order',
      });
      expect(published.event_id).toBe(paymentSucceededEventId('unionpay', trade.queryId));
      expect(published.payload).toMatchObject({ orderNo, provider: 'unionpay', amount: 555 });
    });

    it('closes a cancelled order’s unpaid consume only once a query after its payTimeout finds nothing', async () => {
      const orderNo = newOrderNo();
      await submittedConsume(orderNo, 556);
      await applied(await cancel(orderNo));
      await new Promise((resolve) => setTimeout(resolve, 1500)); // queried meanwhile: not found, but not yet expired
      expect((await attemptOf(orderNo)).status).toBe('PENDING');
      // Its payTimeout (and the margin for UnionPay's last second) has passed.
      await db.query(
        `UPDATE payment_attempts SET provider_expires_at = now() - interval '5 minutes', next_query_at = NULL
         WHERE order_no = $1`,
        [orderNo],
      );
      await eventually(async () => ((await attemptOf(orderNo)).status === 'CLOSED' ? true : undefined), {
        message: 'the unpaid consume closed after a query past its payTimeout',
      });
      expect(await publishedPaymentOf(orderNo)).toBeUndefined();
    });
  });

  describe('Stripe', () => {
    it('opens a Checkout Session for the order and keeps its id', async () => {
      const orderNo = newOrderNo();
      const response = await pay(orderNo, 'stripe', 'checkout', 2_500);
      expect(response.statusCode).toBe(201);
      const body = response.json<{ paymentId: string; checkoutUrl: string }>();
      expect(body).toMatchObject({ provider: 'stripe', method: 'checkout', status: 'PENDING' });
      const session = stripe.session(orderNo);
      expect(session).toMatchObject({
        client_reference_id: orderNo,
        metadata: expect.objectContaining({ orderNo }),
        amount_total: 2_500,
        currency: 'cny',
      });
      expect(body.checkoutUrl).toBe(session?.url);
      expect(await attemptOf(orderNo)).toMatchObject({ id: body.paymentId, provider_reference: session?.id });
    });

    it('finds a paid session by its stored id, under the event id both webhooks would produce', async () => {
      const orderNo = newOrderNo();
      expect((await pay(orderNo, 'stripe', 'checkout', 1_999)).statusCode).toBe(201);
      const session = stripe.markPaidWithoutNotify(orderNo);
      const published = await eventually(() => publishedPaymentOf(orderNo), {
        message: 'the active query published PaymentSucceeded',
      });
      expect(published.event_id).toBe(deterministicEventId('stripe', session.payment_intent!, 'PaymentSucceeded'));
      expect(published.payload).toMatchObject({ orderNo, provider: 'stripe', amount: 1_999, currency: 'CNY' });
    });

    it('expires the Checkout Session of a cancelled order', async () => {
      const orderNo = newOrderNo();
      expect((await pay(orderNo, 'stripe', 'checkout')).statusCode).toBe(201);
      await applied(await cancel(orderNo));
      expect(stripe.session(orderNo)?.status).toBe('expired');
      expect((await attemptOf(orderNo)).status).toBe('CLOSED');
    });
  });

  describe('WeChat Pay refunds', () => {
    function refundNotified(refundNo: string, eventId = randomUUID()): EventEnvelope {
      return {
        eventId,
        type: 'RefundNotified',
        version: 1,
        occurredAt: new Date().toISOString(),
        key: refundNo,
        producer: 'test',
        payload: { provider: 'wechatpay', refundNo, providerStatus: 'SUCCESS', notifiedAt: new Date().toISOString() },
      };
    }

    it('a refund the answer only accepted settles on its notification, once however often it is notified', async () => {
      const orderNo = newOrderNo();
      expect((await pay(orderNo, 'wechatpay', 'native')).statusCode).toBe(201);
      const transactionId = wechat.setTradeState(orderNo, 'SUCCESS').transactionId!;
      await db.query(
        `INSERT INTO captured_payments (provider, provider_transaction_id, order_no, amount, currency, captured_at)
         VALUES ('wechatpay', $1, $2, 12800, 'CNY', now())`,
        [transactionId, orderNo],
      );
      const created = await gateway.request({
        method: 'POST',
        url: '/internal/v1/refunds',
        payload: {
          orderNo,
          provider: 'wechatpay',
          providerTransactionId: transactionId,
          amount: 1000,
          currency: 'CNY',
          reason: 'returned',
          actor: 'admin-1',
        },
      });
      expect(created.statusCode).toBe(201);
      const refund = created.json<{ refundId: string; status: string }>();
      expect(refund.status).toBe('PENDING');
      // The sweep would not look again for an hour: only the notification can settle it now.
      await db.query(`UPDATE refunds SET next_check_at = now() + interval '1 hour' WHERE id = $1`, [refund.refundId]);
      await eventually(async () =>
        wechat.refunds().some((r) => r.status === 'SUCCESS' && r.transactionId === transactionId) ? true : undefined,
      );
      const [{ provider_refund_no: refundNo }] = await db.query(
        'SELECT provider_refund_no FROM refunds WHERE id = $1',
        [refund.refundId],
      );
      const repeated = refundNotified(refundNo);
      await producer.send({
        topic: physicalName(settings, Topics.RefundNotified),
        acks: -1,
        messages: [
          ...Array.from({ length: 10 }, () => ({ key: refundNo, value: JSON.stringify(repeated) })),
          { key: refundNo, value: JSON.stringify(refundNotified(refundNo)) },
          // A refund that is not ours: acknowledged, nothing changes.
          { key: 'RFunknown', value: JSON.stringify(refundNotified('RF00000000000000000000000000000000')) },
        ],
      });
      await applied(repeated.eventId);
      const settled = await eventually(async () => {
        const [row] = await db.query('SELECT status FROM refunds WHERE id = $1', [refund.refundId]);
        return row.status === 'SUCCEEDED' ? row : undefined;
      });
      expect(settled.status).toBe('SUCCEEDED');
      const events = await db.query(
        `SELECT 1 FROM outbox_events WHERE envelope->>'type' = 'RefundSucceeded' AND envelope->'payload'->>'refundId' = $1`,
        [refund.refundId],
      );
      expect(events).toHaveLength(1);
      expect(wechat.refunds().filter((r) => r.transactionId === transactionId)).toHaveLength(1);
    });
  });
});

describe('payment-gateway with no provider configured', () => {
  let gateway: RunningService<PaymentGatewayConfig>;

  beforeAll(async () => {
    gateway = await startServiceForTest(service, { CALLBACK_BASE_URL });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it.each([
    ['wechatpay', 'native'],
    ['unionpay', 'page'],
    ['stripe', 'checkout'],
  ])('answers %s with 422 PROVIDER_DISABLED and stores nothing', async (provider, method) => {
    const orderNo = newOrderNo();
    const response = await gateway.request({
      method: 'POST',
      url: '/internal/v1/payments',
      payload: { orderNo, amount: 100, currency: 'CNY', subject: 'x', provider, method },
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({ code: 'PROVIDER_DISABLED', details: { provider } });
    const rows: unknown[] = await gateway.app
      .get(DataSource)
      .query('SELECT 1 FROM payment_attempts WHERE order_no = $1', [orderNo]);
    expect(rows).toEqual([]);
  });
});
