import { randomBytes, randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { DataSource } from 'typeorm';
import {
  PaymentSucceededV1,
  Topics,
  parsePayload,
  paymentAnomalyEventId,
  type EventEnvelope,
  type PaymentAnomalyType,
} from '@shop/contracts';
import { KAFKA_SETTINGS, createKafka, physicalName, type KafkaSettings } from '@shop/messaging';
import { eventually, groupJoined, startServiceForTest, type RunningService } from '@shop/testing';
import type { OrderServiceConfig } from '../order-service.config';
import { service } from '../service';
import { OrderPaymentsService } from './order-payments.service';

// Payments that cannot settle their order leave as PaymentAnomalyDetected events on the real (prefixed) topic,
// written in the transaction that observed the order, once per provider transaction however often they arrive.
describe('order-service reports payment anomalies', () => {
  let orders: RunningService<OrderServiceConfig>;
  let dataSource: DataSource;
  let payments: OrderPaymentsService;
  let reader: Consumer;
  const anomalies: EventEnvelope[] = [];

  beforeAll(async () => {
    orders = await startServiceForTest(service);
    const settings = orders.app.get<KafkaSettings>(KAFKA_SETTINGS);
    dataSource = orders.app.get(DataSource);
    payments = orders.app.get(OrderPaymentsService);
    reader = createKafka({ ...settings, clientId: 'anomaly-reader' }).consumer({
      groupId: physicalName(settings, 'anomaly-reader'),
    });
    const joined = groupJoined(reader);
    await reader.connect();
    await reader.subscribe({ topic: physicalName(settings, Topics.PaymentAnomalyDetected), fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        anomalies.push(JSON.parse(message.value?.toString('utf8') ?? 'null') as EventEnvelope);
      },
    });
    await joined;
  });

  afterAll(async () => {
    await reader?.disconnect();
    await orders?.stop();
  });

  /** A new order of one tea (12800 fen) and one mug (6800 fen): 19600 fen. */
  async function newOrder(): Promise<string> {
    const response = await orders.request({
      method: 'POST',
      url: '/internal/v1/orders',
      payload: {
        customerId: `cust-${randomBytes(4).toString('hex')}`,
        items: [
          { sku: 'TEA-LONGJING-250G', quantity: 1 },
          { sku: 'MUG-CELADON', quantity: 1 },
        ],
      },
    });
    expect(response.statusCode).toBe(201);
    return response.json<{ orderNo: string }>().orderNo;
  }

  function payment(orderNo: string, overrides: Partial<PaymentSucceededV1> = {}): PaymentSucceededV1 {
    return parsePayload(PaymentSucceededV1, {
      orderNo,
      provider: 'alipay',
      providerTransactionId: `2025${randomBytes(8).toString('hex')}`,
      amount: 19_600,
      currency: 'CNY',
      paidAt: '2025-11-27T10:00:00.000Z',
      ...overrides,
    });
  }

  async function anomalyRows(orderNo: string): Promise<{ event_id: string }[]> {
    return dataSource.query(`SELECT event_id FROM outbox_events WHERE topic = $1 AND message_key = $2`, [
      Topics.PaymentAnomalyDetected,
      orderNo,
    ]);
  }

  /**
   * The anomaly published for `orderNo`, one event; waits a moment so a wrong second one would show. The relay
   * and Kafka deliver at least once (a producer retry or a reader rebalance can repeat a message, and consumers
   * dedupe by event id), so a repeat of the same event is not a second anomaly; another event id would be.
   */
  async function publishedAnomaly(orderNo: string, type: PaymentAnomalyType): Promise<EventEnvelope> {
    const event = await eventually(async () => anomalies.find((e) => e.key === orderNo), {
      message: `PaymentAnomalyDetected for ${orderNo} on Kafka`,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(new Set(anomalies.filter((e) => e.key === orderNo).map((e) => e.eventId)).size).toBe(1);
    expect(event).toMatchObject({ type: 'PaymentAnomalyDetected', version: 1, producer: 'order-service' });
    expect(event.payload['type']).toBe(type);
    return event;
  }

  it('reports AMOUNT_MISMATCH and keeps the review flag; a redelivery under another event id adds nothing', async () => {
    const orderNo = await newOrder();
    const short = payment(orderNo, { amount: 19_599 });
    expect(await payments.applyPaymentSucceeded(randomUUID(), short)).toBe('amount-mismatch');
    expect(await payments.applyPaymentSucceeded(randomUUID(), short)).toBe('amount-mismatch');

    const event = await publishedAnomaly(orderNo, 'AMOUNT_MISMATCH');
    expect(event.eventId).toBe(
      paymentAnomalyEventId({
        type: 'AMOUNT_MISMATCH',
        provider: 'alipay',
        providerTransactionId: short.providerTransactionId,
      }),
    );
    expect(event.payload).toMatchObject({
      orderNo,
      provider: 'alipay',
      providerTransactionId: short.providerTransactionId,
      amount: 19_599,
      currency: 'CNY',
      detectedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      detail: { expected: { amount: 19_600, currency: 'CNY' }, statusAtArrival: 'PENDING_PAYMENT' },
    });
    expect(await anomalyRows(orderNo)).toHaveLength(1);
    const order = (await orders.request({ method: 'GET', url: `/internal/v1/orders/${orderNo}` })).json();
    expect(order).toMatchObject({ status: 'PENDING_PAYMENT', review: { reason: 'AMOUNT_MISMATCH' } });
  });

  it('reports LATE_PAYMENT for money that arrives for a cancelled order', async () => {
    const orderNo = await newOrder();
    // Cancellation and expiry are another issue's: the state is set directly.
    await dataSource.query(
      `UPDATE orders SET status = 'CANCELLED', cancelled_at = now(), cancel_reason = 'expired' WHERE order_no = $1`,
      [orderNo],
    );
    const late = payment(orderNo, { provider: 'wechatpay' });
    expect(await payments.applyPaymentSucceeded(randomUUID(), late)).toBe('after-final-state');

    const event = await publishedAnomaly(orderNo, 'LATE_PAYMENT');
    expect(event.payload).toMatchObject({
      orderNo,
      provider: 'wechatpay',
      providerTransactionId: late.providerTransactionId,
      amount: 19_600,
      currency: 'CNY',
      detail: { statusAtArrival: 'CANCELLED', paidBy: null },
    });
  });

  it('reports DUPLICATE_PAYMENT for a second transaction (any provider) on a paid order, never for the first', async () => {
    const orderNo = await newOrder();
    const first = payment(orderNo);
    expect(await payments.applyPaymentSucceeded(randomUUID(), first)).toBe('paid');
    // The paying transaction again (a query result under another event id), also once the order has shipped:
    // not a second payment.
    expect(await payments.applyPaymentSucceeded(randomUUID(), first)).toBe('already-paid');
    await dataSource.query(`UPDATE orders SET status = 'SHIPPED' WHERE order_no = $1`, [orderNo]);
    expect(await payments.applyPaymentSucceeded(randomUUID(), first)).toBe('already-paid');
    expect(await anomalyRows(orderNo)).toHaveLength(0);

    const second = payment(orderNo, { provider: 'unionpay' });
    expect(await payments.applyPaymentSucceeded(randomUUID(), second)).toBe('after-final-state');
    expect(await payments.applyPaymentSucceeded(randomUUID(), second)).toBe('after-final-state');

    const event = await publishedAnomaly(orderNo, 'DUPLICATE_PAYMENT');
    expect(event.payload).toMatchObject({
      orderNo,
      provider: 'unionpay',
      providerTransactionId: second.providerTransactionId,
      amount: 19_600,
      detail: {
        statusAtArrival: 'SHIPPED',
        paidBy: { provider: 'alipay', providerTransactionId: first.providerTransactionId },
      },
    });
    expect(await anomalyRows(orderNo)).toHaveLength(1);
  });
});
