import { randomBytes, randomUUID } from 'node:crypto';
import { type AddressInfo, type Server, type Socket, createServer } from 'node:net';
import { Partitioners, type Admin, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { Topics, type EventEnvelope } from '@shop/contracts';
import { KAFKA_SETTINGS, createKafka, physicalName, type KafkaSettings } from '@shop/messaging';
import { AlipaySimulator, type AlipayKeys, generateAlipayKeys } from '@shop/provider-simulators';
import {
  eventually,
  startServiceForTest,
  type RunningService,
  publishEnvelopes,
  waitUntilConsumed,
} from '@shop/testing';
import type { PaymentGatewayConfig } from '../payment-gateway.config';
import { service } from '../service';

const CALLBACK_BASE_URL = 'https://pay.example.test';
const APP_ID = '2021000000000001';
const SELLER_ID = '2088000000000001';

interface AttemptJson {
  paymentId: string;
  provider: string;
  method: string;
  status: string;
  providerTransactionId: string | null;
  amount: number;
  currency: string;
  createdAt: string;
  succeededAt: string | null;
}

function newOrderNo(): string {
  return `ORD${randomBytes(6).toString('hex').toUpperCase()}`;
}

function paymentBody(orderNo: string, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    orderNo,
    amount: 12_800,
    currency: 'CNY',
    subject: 'Shop order',
    provider: 'alipay',
    method: 'qr',
    ...overrides,
  };
}

function alipayEnv(keys: AlipayKeys, gatewayUrl: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    CALLBACK_BASE_URL,
    ALIPAY_APP_ID: APP_ID,
    ALIPAY_SELLER_ID: SELLER_ID,
    // Raw base64 PKCS#8, as pasted from Alipay's key tool; the config spec covers the other forms.
    ALIPAY_PRIVATE_KEY: keys.app.privateKeyPkcs8Base64,
    ALIPAY_PUBLIC_KEY: keys.alipay.publicKeyBase64,
    ALIPAY_GATEWAY_URL: gatewayUrl,
    ...extra,
  };
}

/** A port nothing listens on: bound once by us, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A gateway that accepts connections and never answers. */
async function hangingServer(): Promise<{ server: Server; url: string; sockets: Set<Socket> }> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, sockets, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/gateway.do` };
}

async function attemptsOf(gateway: RunningService<PaymentGatewayConfig>, orderNo: string): Promise<AttemptJson[]> {
  const response = await gateway.request({ method: 'GET', url: `/internal/v1/payments?orderNo=${orderNo}` });
  expect(response.statusCode).toBe(200);
  return response.json<{ items: AttemptJson[] }>().items;
}

async function requestLogOf(gateway: RunningService<PaymentGatewayConfig>, orderNo: string) {
  return gateway.app.get(DataSource).query(
    `SELECT provider, operation, order_no, payment_id, status, duration_ms, error_code, error_message
       FROM provider_request_log WHERE order_no = $1 ORDER BY id`,
    [orderNo],
  );
}

// The payment-gateway end to end against the Alipay simulator, the real Kafka and PostgreSQL: payment attempts
// over the internal API, and PaymentSucceeded events marking them paid.
describe('payment-gateway with Alipay', () => {
  let keys: AlipayKeys;
  let simulator: AlipaySimulator;
  let gateway: RunningService<PaymentGatewayConfig>;
  let settings: KafkaSettings;
  let producer: Producer;
  let admin: Admin;

  beforeAll(async () => {
    keys = await generateAlipayKeys();
    simulator = new AlipaySimulator({
      appId: APP_ID,
      sellerId: SELLER_ID,
      appPublicKey: keys.app.publicKeyBase64,
      alipayPrivateKey: keys.alipay.privateKey,
    });
    await simulator.start();
    gateway = await startServiceForTest(service, alipayEnv(keys, simulator.gatewayUrl));
    settings = gateway.app.get<KafkaSettings>(KAFKA_SETTINGS);
    const kafka = createKafka({ ...settings, clientId: 'payment-gateway-test' });
    producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    await admin?.disconnect();
    await producer?.disconnect();
    await gateway?.stop();
    await simulator?.stop();
  });

  async function pay(body: Record<string, unknown>) {
    return gateway.request({ method: 'POST', url: '/internal/v1/payments', payload: body });
  }

  function paymentSucceeded(orderNo: string, payload: Record<string, unknown> = {}): EventEnvelope {
    return {
      eventId: randomUUID(),
      type: 'PaymentSucceeded',
      version: 1,
      occurredAt: new Date().toISOString(),
      key: orderNo,
      producer: 'test',
      payload: {
        orderNo,
        provider: 'alipay',
        providerTransactionId: `2025${randomBytes(8).toString('hex')}`,
        amount: 12_800,
        currency: 'CNY',
        paidAt: '2025-11-27T10:00:00.000Z',
        ...payload,
      },
    };
  }

  function publish(...envelopes: EventEnvelope[]): Promise<void> {
    return publishEnvelopes(producer, physicalName(settings, Topics.PaymentSucceeded), envelopes);
  }

  /** Waits until the payment-gateway's group committed every message on the topic: all of them applied. */
  function allConsumed(): Promise<void> {
    return waitUntilConsumed(
      admin,
      physicalName(settings, Topics.PaymentSucceeded),
      physicalName(settings, 'payment-gateway'),
    );
  }

  async function succeededAttemptOf(orderNo: string): Promise<AttemptJson> {
    return eventually(async () => (await attemptsOf(gateway, orderNo)).find((a) => a.status === 'SUCCEEDED'), {
      message: `a SUCCEEDED attempt for ${orderNo}`,
    });
  }

  describe('POST /internal/v1/payments', () => {
    it('opens a QR payment: 201 with the qr_code of a precreated trade whose notify_url and amount are ours', async () => {
      const orderNo = newOrderNo();
      const response = await pay(paymentBody(orderNo, { subject: '订单 Shop order' }));

      expect(response.statusCode).toBe(201);
      const trade = simulator.trade(orderNo);
      expect(trade).toMatchObject({
        method: 'alipay.trade.precreate',
        notifyUrl: `${CALLBACK_BASE_URL}/callbacks/alipay`,
        totalAmount: '128.00',
        subject: '订单 Shop order',
        status: 'WAIT_BUYER_PAY',
      });
      expect(response.json()).toEqual({
        paymentId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        provider: 'alipay',
        method: 'qr',
        status: 'PENDING',
        qrCode: trade?.qrCode,
      });
      const { paymentId } = response.json<{ paymentId: string }>();
      expect(await attemptsOf(gateway, orderNo)).toEqual([
        {
          paymentId,
          provider: 'alipay',
          method: 'qr',
          status: 'PENDING',
          providerTransactionId: null,
          amount: 12_800,
          currency: 'CNY',
          createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
          succeededAt: null,
        },
      ]);
      expect(await requestLogOf(gateway, orderNo)).toEqual([
        {
          provider: 'alipay',
          operation: 'create-payment:qr',
          order_no: orderNo,
          payment_id: paymentId,
          status: 'OK',
          duration_ms: expect.any(Number),
          error_code: null,
          error_message: null,
        },
      ]);
    });

    it('opens a page payment: a signed redirect URL the simulator serves its cashier page for', async () => {
      const orderNo = newOrderNo();
      const response = await pay(paymentBody(orderNo, { method: 'page', amount: 1 }));

      expect(response.statusCode).toBe(201);
      const body = response.json<{ redirectUrl: string; paymentId: string }>();
      expect(body).toEqual({
        paymentId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        provider: 'alipay',
        method: 'page',
        status: 'PENDING',
        redirectUrl: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\/gateway\.do\?/),
      });
      const cashier = await fetch(body.redirectUrl);
      expect(cashier.status).toBe(200);
      expect(await cashier.text()).toContain(`data-out-trade-no="${orderNo}"`);
      expect(simulator.trade(orderNo)).toMatchObject({
        method: 'alipay.trade.page.pay',
        notifyUrl: `${CALLBACK_BASE_URL}/callbacks/alipay`,
        totalAmount: '0.01',
      });
      // The log keeps outcomes, never the signed URL.
      const sign = new URL(body.redirectUrl).searchParams.get('sign') ?? '';
      expect(sign.length).toBeGreaterThan(100);
      const log = await requestLogOf(gateway, orderNo);
      expect(log).toMatchObject([{ operation: 'create-payment:page', status: 'OK', payment_id: body.paymentId }]);
      expect(JSON.stringify(log)).not.toContain(sign.slice(0, 40));
    });

    it('refuses an invalid body with 400 naming every bad field, and stores nothing', async () => {
      const orderNo = newOrderNo();
      const response = await pay({
        orderNo: 'ORD-1',
        amount: '128.00',
        currency: 'cny',
        subject: '   ',
        method: 'card',
        provider: 'alipay',
        extra: true,
      });

      expect(response.statusCode).toBe(400);
      const body = response.json();
      expect(body).toMatchObject({ statusCode: 400, code: 'VALIDATION_FAILED' });
      const fields = (body.details.fields as { field: string }[]).map((f) => f.field).sort();
      expect(fields).toEqual(['amount', 'currency', 'extra', 'method', 'orderNo', 'subject']);
      for (const field of ['orderNo', 'amount', 'currency', 'subject', 'method']) {
        expect(body.message).toContain(`${field}:`);
      }
      expect(await attemptsOf(gateway, orderNo)).toEqual([]);
    });

    it.each([
      ['a fractional amount', { amount: 128.5 }, 'amount'],
      ['a zero amount', { amount: 0 }, 'amount'],
      ['a missing subject', { subject: undefined }, 'subject'],
      ['an overlong subject', { subject: 'x'.repeat(257) }, 'subject'],
    ])('refuses %s with 400 naming it', async (_case, overrides, field) => {
      const response = await pay(paymentBody(newOrderNo(), overrides));
      expect(response.statusCode).toBe(400);
      expect(response.json().details.fields.map((f: { field: string }) => f.field)).toEqual([field]);
    });

    it('refuses an unknown provider with 400 naming provider', async () => {
      const orderNo = newOrderNo();
      const response = await pay(paymentBody(orderNo, { provider: 'paypal' }));

      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: {
          fields: [{ field: 'provider', problems: ['provider must be one of alipay, wechatpay, unionpay, stripe'] }],
        },
      });
      expect(await attemptsOf(gateway, orderNo)).toEqual([]);
    });

    it('refuses a method the provider does not offer with 400 UNSUPPORTED_METHOD', async () => {
      const response = await pay(paymentBody(newOrderNo(), { provider: 'wechatpay', method: 'page' }));
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({
        code: 'UNSUPPORTED_METHOD',
        details: { provider: 'wechatpay', method: 'page', supported: ['native'] },
      });
    });

    it('refuses a currency or amount Alipay does not accept with 400, before storing anything', async () => {
      const orderNo = newOrderNo();
      const usd = await pay(paymentBody(orderNo, { currency: 'USD' }));
      expect(usd.statusCode).toBe(400);
      expect(usd.json()).toMatchObject({ code: 'UNSUPPORTED_CURRENCY', details: { currency: 'USD' } });
      const tooMuch = await pay(paymentBody(orderNo, { amount: 10_000_000_001 }));
      expect(tooMuch.statusCode).toBe(400);
      expect(tooMuch.json()).toMatchObject({ code: 'AMOUNT_OUT_OF_RANGE' });
      expect(await attemptsOf(gateway, orderNo)).toEqual([]);
      expect(simulator.trade(orderNo)).toBeUndefined();
    });

    it('answers a provider that is not configured (WeChat Pay here) with 422 PROVIDER_DISABLED', async () => {
      const orderNo = newOrderNo();
      const response = await pay(paymentBody(orderNo, { provider: 'wechatpay', method: 'native' }));
      expect(response.statusCode).toBe(422);
      expect(response.json()).toMatchObject({ code: 'PROVIDER_DISABLED', details: { provider: 'wechatpay' } });
      expect(await attemptsOf(gateway, orderNo)).toEqual([]);
    });

    it("answers Alipay's refusal with 502 PROVIDER_ERROR carrying its codes, and marks the attempt FAILED", async () => {
      const orderNo = newOrderNo();
      expect((await pay(paymentBody(orderNo))).statusCode).toBe(201);
      // Alipay keeps one trade per out_trade_no and refuses to change its amount.
      const response = await pay(paymentBody(orderNo, { amount: 9_900 }));

      expect(response.statusCode).toBe(502);
      const body = response.json();
      expect(body).toMatchObject({
        code: 'PROVIDER_ERROR',
        details: { provider: 'alipay', providerCode: 'PROVIDER_REJECTED', providerSubCode: 'ACQ.INVALID_PARAMETER' },
      });
      const attempts = await attemptsOf(gateway, orderNo);
      expect(attempts.map((a) => [a.status, a.amount])).toEqual([
        ['PENDING', 12_800],
        ['FAILED', 9_900],
      ]);
      expect(attempts[1]?.paymentId).toBe(body.details.paymentId);
      expect(
        (await requestLogOf(gateway, orderNo)).map((r: { status: string; error_code: string | null }) => [
          r.status,
          r.error_code,
        ]),
      ).toEqual([
        ['OK', null],
        ['ERROR', 'PROVIDER_REJECTED'],
      ]);
    });
  });

  describe('PaymentSucceeded events', () => {
    it('mark the attempt SUCCEEDED with the provider transaction id and the payment time', async () => {
      const orderNo = newOrderNo();
      const created = await pay(paymentBody(orderNo));
      expect(created.statusCode).toBe(201);
      const tradeNo = simulator.trade(orderNo)?.tradeNo;
      await publish(paymentSucceeded(orderNo, { providerTransactionId: tradeNo }));

      const succeeded = await succeededAttemptOf(orderNo);
      expect(succeeded).toMatchObject({
        paymentId: created.json().paymentId,
        status: 'SUCCEEDED',
        providerTransactionId: tradeNo,
        succeededAt: '2025-11-27T10:00:00.000Z',
      });
    });

    it('apply an event delivered five times once: only the most recent pending attempt moves, once', async () => {
      const orderNo = newOrderNo();
      const older = (await pay(paymentBody(orderNo))).json<{ paymentId: string }>().paymentId;
      const newer = (await pay(paymentBody(orderNo, { method: 'page' }))).json<{ paymentId: string }>().paymentId;
      const event = paymentSucceeded(orderNo);
      await publish(event);
      await succeededAttemptOf(orderNo);
      const dataSource = gateway.app.get(DataSource);
      const updatedAt = async (): Promise<Date> =>
        (await dataSource.query('SELECT updated_at FROM payment_attempts WHERE id = $1', [newer]))[0].updated_at;
      const firstChange = await updatedAt();

      for (let i = 0; i < 4; i++) await publish(event);
      await allConsumed();

      const attempts = await attemptsOf(gateway, orderNo);
      expect(attempts.map((a) => [a.paymentId, a.status, a.providerTransactionId])).toEqual([
        [older, 'PENDING', null],
        [newer, 'SUCCEEDED', event.payload.providerTransactionId],
      ]);
      expect(await updatedAt()).toEqual(firstChange);
      const inbox = await dataSource.query('SELECT consumer FROM inbox_events WHERE event_id = $1', [event.eventId]);
      expect(inbox).toEqual([{ consumer: 'payment-gateway' }]);
      // The money is captured once, as paid: what refunds of this payment may draw on.
      const captured = await dataSource.query(
        `SELECT order_no, amount::int AS amount, currency, reserved_amount::int AS reserved, captured_at
         FROM captured_payments WHERE provider = 'alipay' AND provider_transaction_id = $1`,
        [event.payload.providerTransactionId],
      );
      expect(captured).toEqual([
        {
          order_no: orderNo,
          amount: event.payload.amount,
          currency: event.payload.currency,
          reserved: 0,
          captured_at: new Date(String(event.payload.paidAt)),
        },
      ]);
    });

    it('never move a succeeded attempt: a second event for the same transaction, or a late one, changes nothing', async () => {
      const orderNo = newOrderNo();
      await pay(paymentBody(orderNo));
      const first = paymentSucceeded(orderNo);
      await publish(first);
      const succeeded = await succeededAttemptOf(orderNo);

      // Another event id for the same provider transaction (e.g. a query result), and a different transaction.
      await publish(
        paymentSucceeded(orderNo, { providerTransactionId: first.payload.providerTransactionId }),
        paymentSucceeded(orderNo, { paidAt: '2025-11-28T10:00:00.000Z' }),
      );
      await allConsumed();

      expect(await attemptsOf(gateway, orderNo)).toEqual([succeeded]);
    });

    it('record nothing for a payment without an attempt, or for another provider', async () => {
      const withoutAttempt = newOrderNo();
      const alipayOnly = newOrderNo();
      await pay(paymentBody(alipayOnly));
      await publish(paymentSucceeded(withoutAttempt), paymentSucceeded(alipayOnly, { provider: 'wechatpay' }));
      await allConsumed();

      expect(await attemptsOf(gateway, withoutAttempt)).toEqual([]);
      expect((await attemptsOf(gateway, alipayOnly)).map((a) => a.status)).toEqual(['PENDING']);
    });

    it('make a second POST for the paid order answer 409 ORDER_ALREADY_PAID, with no new attempt', async () => {
      const orderNo = newOrderNo();
      await pay(paymentBody(orderNo));
      await publish(paymentSucceeded(orderNo));
      const paid = await succeededAttemptOf(orderNo);
      const tradesBefore = simulator.trades().length;

      const again = await pay(paymentBody(orderNo, { method: 'page' }));

      expect(again.statusCode).toBe(409);
      expect(again.json()).toMatchObject({
        code: 'ORDER_ALREADY_PAID',
        details: { orderNo, paymentId: paid.paymentId, provider: 'alipay' },
      });
      expect(await attemptsOf(gateway, orderNo)).toEqual([paid]);
      expect(simulator.trades()).toHaveLength(tradesBefore);
    });
  });
});

describe('payment-gateway when Alipay cannot be used', () => {
  let keys: AlipayKeys;
  let disabled: RunningService<PaymentGatewayConfig>;
  let unreachable: RunningService<PaymentGatewayConfig>;
  let hanging: RunningService<PaymentGatewayConfig>;
  let hangingGateway: Awaited<ReturnType<typeof hangingServer>> | undefined;

  beforeAll(async () => {
    keys = await generateAlipayKeys();
    const hang = await hangingServer();
    hangingGateway = hang;
    const unreachableUrl = `http://127.0.0.1:${await closedPort()}/gateway.do`;
    // One after another: services creating their topics in parallel race Kafka's metadata propagation.
    disabled = await startServiceForTest(service, { CALLBACK_BASE_URL });
    unreachable = await startServiceForTest(service, alipayEnv(keys, unreachableUrl));
    hanging = await startServiceForTest(service, alipayEnv(keys, hang.url, { ALIPAY_TIMEOUT_MS: '300' }));
  });

  afterAll(async () => {
    await disabled?.stop();
    await unreachable?.stop();
    await hanging?.stop();
    for (const socket of hangingGateway?.sockets ?? []) socket.destroy();
    await new Promise<void>((resolve) => (hangingGateway ? hangingGateway.server.close(() => resolve()) : resolve()));
  });

  it('answers 422 PROVIDER_DISABLED when ALIPAY_APP_ID is not set, and stores nothing', async () => {
    const orderNo = newOrderNo();
    const response = await disabled.request({
      method: 'POST',
      url: '/internal/v1/payments',
      payload: paymentBody(orderNo),
    });
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      statusCode: 422,
      code: 'PROVIDER_DISABLED',
      message: 'Payment provider alipay is not enabled',
    });
    expect(await attemptsOf(disabled, orderNo)).toEqual([]);
  });

  it('answers 502 PROVIDER_ERROR when the gateway is unreachable, keeping the attempt as FAILED', async () => {
    const orderNo = newOrderNo();
    const response = await unreachable.request({
      method: 'POST',
      url: '/internal/v1/payments',
      payload: paymentBody(orderNo),
    });

    expect(response.statusCode).toBe(502);
    const body = response.json();
    expect(body).toMatchObject({
      statusCode: 502,
      code: 'PROVIDER_ERROR',
      details: { provider: 'alipay', providerCode: 'PROVIDER_UNAVAILABLE', paymentId: expect.any(String) },
    });
    expect(response.body).not.toContain(keys.app.privateKeyPkcs8Base64.slice(100, 140));
    const attempts = await attemptsOf(unreachable, orderNo);
    expect(attempts).toMatchObject([{ paymentId: body.details.paymentId, status: 'FAILED', amount: 12_800 }]);
    const log = await requestLogOf(unreachable, orderNo);
    expect(log).toMatchObject([
      {
        operation: 'create-payment:qr',
        status: 'ERROR',
        error_code: 'PROVIDER_UNAVAILABLE',
        payment_id: body.details.paymentId,
      },
    ]);
    expect(JSON.stringify(log)).not.toContain(keys.app.privateKeyPkcs8Base64.slice(100, 140));
  });

  it('answers 502 PROVIDER_ERROR on a timeout, keeping the attempt PENDING: Alipay may have opened the trade', async () => {
    const orderNo = newOrderNo();
    const response = await hanging.request({
      method: 'POST',
      url: '/internal/v1/payments',
      payload: paymentBody(orderNo),
    });

    expect(response.statusCode).toBe(502);
    expect(response.json()).toMatchObject({ code: 'PROVIDER_ERROR', details: { providerCode: 'PROVIDER_TIMEOUT' } });
    expect((await attemptsOf(hanging, orderNo)).map((a) => a.status)).toEqual(['PENDING']);
    const [log] = await requestLogOf(hanging, orderNo);
    expect(log).toMatchObject({ status: 'ERROR', error_code: 'PROVIDER_TIMEOUT' });
    expect(log.duration_ms).toBeGreaterThanOrEqual(250);
  });
});
