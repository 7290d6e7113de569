import { randomBytes } from 'node:crypto';
import { Partitioners, type Consumer, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { Topics, deterministicEventId, type EventEnvelope } from '@shop/contracts';
import { KAFKA_SETTINGS, createKafka, physicalName, type KafkaSettings } from '@shop/messaging';
import { AlipaySimulator, type AlipayKeys, generateAlipayKeys } from '@shop/provider-simulators';
import { eventually, groupJoined, startServiceForTest, type RunningService } from '@shop/testing';
import type { PaymentGatewayConfig } from '../payment-gateway.config';
import { ProviderRegistry as ProviderRegistryToken } from '../providers/provider-registry';
import { service } from '../service';

const APP_ID = '2021000000000007';
const SELLER_ID = '2088000000000007';

// The payment-gateway's side of expiry and the active query, against the Alipay simulator and the real Kafka
// and PostgreSQL: OrderCancelled closes the provider trade; a payment whose notification was lost is found by
// the query and published as the callback's own PaymentSucceeded.
describe('payment-gateway closing and active query', () => {
  let keys: AlipayKeys;
  let simulator: AlipaySimulator;
  let gateway: RunningService<PaymentGatewayConfig>;
  let settings: KafkaSettings;
  let dataSource: DataSource;
  let producer: Producer;
  let reader: Consumer;
  const succeeded: EventEnvelope[] = [];

  beforeAll(async () => {
    keys = await generateAlipayKeys();
    simulator = new AlipaySimulator({
      appId: APP_ID,
      sellerId: SELLER_ID,
      appPublicKey: keys.app.publicKeyBase64,
      alipayPrivateKey: keys.alipay.privateKey,
    });
    await simulator.start();
    gateway = await startServiceForTest(service, {
      CALLBACK_BASE_URL: 'https://pay.example.test',
      ALIPAY_APP_ID: APP_ID,
      ALIPAY_SELLER_ID: SELLER_ID,
      ALIPAY_PRIVATE_KEY: keys.app.privateKeyPkcs8Base64,
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKeyBase64,
      ALIPAY_GATEWAY_URL: simulator.gatewayUrl,
      PAYMENT_QUERY_AFTER_SECONDS: '1',
      QUERY_SWEEP_INTERVAL_MS: '200',
      PAYMENT_QUERY_BACKOFF_SECONDS: '1',
    });
    settings = gateway.app.get<KafkaSettings>(KAFKA_SETTINGS);
    dataSource = gateway.app.get(DataSource);
    const kafka = createKafka({ ...settings, clientId: 'payment-query-test' });
    producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    reader = kafka.consumer({ groupId: physicalName(settings, 'payment-succeeded-reader') });
    const joined = groupJoined(reader);
    await reader.connect();
    await reader.subscribe({ topic: physicalName(settings, Topics.PaymentSucceeded), fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        succeeded.push(JSON.parse(message.value?.toString('utf8') ?? 'null') as EventEnvelope);
      },
    });
    await joined;
  });

  afterAll(async () => {
    await reader?.disconnect();
    await producer?.disconnect();
    await gateway?.stop();
    await simulator?.stop();
  });

  async function openPayment(): Promise<{ orderNo: string; paymentId: string }> {
    const orderNo = `ORD${randomBytes(6).toString('hex').toUpperCase()}`;
    const response = await gateway.request({
      method: 'POST',
      url: '/internal/v1/payments',
      payload: { orderNo, amount: 19_600, currency: 'CNY', subject: 'Shop order', provider: 'alipay', method: 'qr' },
    });
    expect(response.statusCode).toBe(201);
    return { orderNo, paymentId: response.json<{ paymentId: string }>().paymentId };
  }

  async function publishCancelled(orderNo: string): Promise<string> {
    const eventId = deterministicEventId('order-service', orderNo, 'OrderCancelled');
    const envelope: EventEnvelope = {
      eventId,
      type: 'OrderCancelled',
      version: 1,
      occurredAt: new Date().toISOString(),
      key: orderNo,
      producer: 'test',
      payload: { orderNo, customerId: 'cust-1', reason: 'expired', cancelledAt: new Date().toISOString() },
    };
    await producer.send({
      topic: physicalName(settings, Topics.OrderCancelled),
      acks: -1,
      messages: [{ key: orderNo, value: JSON.stringify(envelope) }],
    });
    return eventId;
  }

  async function attempt(paymentId: string): Promise<{ status: string; query_attempts: number }> {
    const [row] = await dataSource.query('SELECT status, query_attempts FROM payment_attempts WHERE id = $1', [
      paymentId,
    ]);
    return row;
  }

  async function requestLog(
    orderNo: string,
  ): Promise<{ operation: string; status: string; error_code: string | null }[]> {
    return dataSource.query(
      'SELECT operation, status, error_code FROM provider_request_log WHERE order_no = $1 ORDER BY id',
      [orderNo],
    );
  }

  it('OrderCancelled closes the Alipay trade and marks the attempt CLOSED, once', async () => {
    const { orderNo, paymentId } = await openPayment();
    expect(simulator.trade(orderNo)?.status).toBe('WAIT_BUYER_PAY');
    await publishCancelled(orderNo);
    await eventually(async () => ((await attempt(paymentId)).status === 'CLOSED' ? true : undefined), {
      message: `attempt ${paymentId} CLOSED`,
    });
    expect(simulator.trade(orderNo)?.status).toBe('TRADE_CLOSED');
    await expect(simulator.pay(orderNo)).rejects.toMatchObject({ code: 'SIMULATOR_TRADE_CLOSED' });

    // A redelivery of the same event is a duplicate: no second close call.
    await publishCancelled(orderNo);
    const { orderNo: witness, paymentId: witnessId } = await openPayment();
    await publishCancelled(witness);
    await eventually(async () => ((await attempt(witnessId)).status === 'CLOSED' ? true : undefined), {
      message: 'a later event was consumed, so the redelivery was too',
    });
    const log = await requestLog(orderNo);
    expect(log.filter((l) => l.operation === 'close-payment')).toEqual([
      { operation: 'close-payment', status: 'OK', error_code: null },
    ]);
  });

  it('leaves a paid trade PENDING when OrderCancelled arrives: the query then publishes the late payment', async () => {
    const { orderNo, paymentId } = await openPayment();
    const trade = simulator.markPaidWithoutNotify(orderNo);
    const eventId = await publishCancelled(orderNo);
    await eventually(
      async () => {
        const [row] = await dataSource.query('SELECT 1 FROM inbox_events WHERE event_id = $1', [eventId]);
        return row ? true : undefined;
      },
      { message: 'OrderCancelled applied' },
    );
    expect(simulator.trade(orderNo)?.status).toBe('TRADE_SUCCESS');
    const closes = (await requestLog(orderNo)).filter((l) => l.operation === 'close-payment');
    expect(closes).toEqual([{ operation: 'close-payment', status: 'ERROR', error_code: 'PROVIDER_TRADE_PAID' }]);
    const expectedId = deterministicEventId('alipay', trade.tradeNo, 'PaymentSucceeded');
    await eventually(async () => succeeded.find((e) => e.eventId === expectedId), {
      message: 'PaymentSucceeded of the late payment',
    });
    await eventually(async () => ((await attempt(paymentId)).status === 'SUCCEEDED' ? true : undefined), {
      message: 'attempt SUCCEEDED from the event',
    });
  });

  it('finds a payment whose notification was lost and publishes PaymentSucceeded with the callback event id', async () => {
    const { orderNo, paymentId } = await openPayment();
    const trade = simulator.markPaidWithoutNotify(orderNo);
    const expectedId = deterministicEventId('alipay', trade.tradeNo, 'PaymentSucceeded');
    const event = await eventually(async () => succeeded.find((e) => e.eventId === expectedId), {
      message: 'PaymentSucceeded from the active query',
    });
    expect(event).toMatchObject({ type: 'PaymentSucceeded', key: orderNo, producer: 'payment-gateway' });
    expect(event.payload).toEqual({
      orderNo,
      provider: 'alipay',
      providerTransactionId: trade.tradeNo,
      amount: 19_600,
      currency: 'CNY',
      paidAt: new Date(Date.parse(`${trade.gmtPayment!.replace(' ', 'T')}+08:00`)).toISOString(),
    });
    // The gateway consumes its own event, as it would the callback's: the attempt is SUCCEEDED, and queries stop.
    await eventually(async () => ((await attempt(paymentId)).status === 'SUCCEEDED' ? true : undefined), {
      message: 'attempt SUCCEEDED',
    });
    const queriesThen = (await attempt(paymentId)).query_attempts;
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await attempt(paymentId)).query_attempts).toBe(queriesThen);
    const [{ n }] = await dataSource.query(
      'SELECT count(*)::int AS n FROM outbox_events WHERE topic = $1 AND event_id = $2',
      [Topics.PaymentSucceeded, expectedId],
    );
    expect(n).toBe(1);
  });

  it('marks an attempt CLOSED when the query finds its trade closed', async () => {
    const { orderNo, paymentId } = await openPayment();
    // Closed behind our back (e.g. Alipay's own timeout): the simulator's close, through a signed request.
    await gateway.app.get(ProviderRegistryToken).get('alipay')!.closePayment!(orderNo);
    await eventually(async () => ((await attempt(paymentId)).status === 'CLOSED' ? true : undefined), {
      message: 'attempt CLOSED by the query',
    });
    expect((await requestLog(orderNo)).some((l) => l.operation === 'query-payment' && l.status === 'OK')).toBe(true);
  });
});
