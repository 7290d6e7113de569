import { randomBytes, randomUUID } from 'node:crypto';
import { Partitioners, type Admin, type Consumer, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { PaymentSucceededV1, Topics, parsePayload, type EventEnvelope } from '@shop/contracts';
import { KAFKA_SETTINGS, createKafka, physicalName, type KafkaSettings } from '@shop/messaging';
import {
  eventually,
  groupJoined,
  startServiceForTest,
  type RunningService,
  publishEnvelopes,
  waitUntilConsumed,
} from '@shop/testing';
import type { OrderServiceConfig } from '../order-service.config';
import { service } from '../service';
import { OrderPaymentsService } from './order-payments.service';

// PaymentSucceeded events on the real Kafka topic move orders to PAID exactly once, and never backwards;
// OrderPaid leaves through the outbox. Orders are created and read through the internal HTTP API.
describe('order-service applies PaymentSucceeded', () => {
  let orders: RunningService<OrderServiceConfig>;
  let settings: KafkaSettings;
  let dataSource: DataSource;
  let producer: Producer;
  let admin: Admin;
  let reader: Consumer;
  const orderPaid: EventEnvelope[] = [];

  beforeAll(async () => {
    orders = await startServiceForTest(service);
    settings = orders.app.get<KafkaSettings>(KAFKA_SETTINGS);
    dataSource = orders.app.get(DataSource);
    const kafka = createKafka({ ...settings, clientId: 'order-payments-test' });
    producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    admin = kafka.admin();
    await admin.connect();
    reader = kafka.consumer({ groupId: physicalName(settings, 'order-paid-reader') });
    const joined = groupJoined(reader);
    await reader.connect();
    await reader.subscribe({ topic: physicalName(settings, Topics.OrderPaid), fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        orderPaid.push(JSON.parse(message.value?.toString('utf8') ?? 'null') as EventEnvelope);
      },
    });
    await joined;
  });

  afterAll(async () => {
    await reader?.disconnect();
    await admin?.disconnect();
    await producer?.disconnect();
    await orders?.stop();
  });

  /** A new order of one tea (12800 fen) and one mug (6800 fen): 19600 fen. */
  async function newOrder(): Promise<{ orderNo: string; customerId: string }> {
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
    return response.json();
  }

  function paymentSucceeded(orderNo: string, overrides: Record<string, unknown> = {}): EventEnvelope {
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
        amount: 19_600,
        currency: 'CNY',
        paidAt: '2025-11-27T10:00:00.000Z',
        ...overrides,
      },
    };
  }

  function publish(...envelopes: EventEnvelope[]): Promise<void> {
    return publishEnvelopes(producer, physicalName(settings, Topics.PaymentSucceeded), envelopes);
  }

  /** Waits until the order-service's group has committed every PaymentSucceeded message: all applied. */
  function allConsumed(): Promise<void> {
    return waitUntilConsumed(
      admin,
      physicalName(settings, Topics.PaymentSucceeded),
      physicalName(settings, 'order-service'),
    );
  }

  async function orderOf(orderNo: string) {
    const response = await orders.request({ method: 'GET', url: `/internal/v1/orders/${orderNo}` });
    expect(response.statusCode).toBe(200);
    return response.json();
  }

  async function paidOrder(orderNo: string) {
    return eventually(
      async () => {
        const order = await orderOf(orderNo);
        return order.status === 'PAID' ? order : undefined;
      },
      { message: `order ${orderNo} PAID` },
    );
  }

  async function outboxCount(topic: string, orderNo: string): Promise<number> {
    const [{ n }] = await dataSource.query(
      'SELECT count(*)::int AS n FROM outbox_events WHERE topic = $1 AND message_key = $2',
      [topic, orderNo],
    );
    return n;
  }

  it('moves the order to PAID with the payment, a "paid" timeline entry and an OrderPaid event', async () => {
    const { orderNo, customerId } = await newOrder();
    const event = paymentSucceeded(orderNo, { provider: 'wechatpay' });
    await publish(event);

    const order = await paidOrder(orderNo);
    expect(order).toMatchObject({
      status: 'PAID',
      paidAt: '2025-11-27T10:00:00.000Z',
      paymentProvider: 'wechatpay',
      providerTransactionId: event.payload['providerTransactionId'],
      review: null,
    });
    expect(order.timeline.map((t: { event: string }) => t.event)).toEqual(['created', 'paid']);
    expect(order.timeline[1].detail).toMatchObject({ eventId: event.eventId, amount: 19_600, currency: 'CNY' });

    const paid = await eventually(async () => orderPaid.find((e) => e.key === orderNo), {
      message: `OrderPaid for ${orderNo} on Kafka`,
    });
    expect(paid).toMatchObject({
      type: 'OrderPaid',
      version: 1,
      producer: 'order-service',
      payload: {
        orderNo,
        customerId,
        provider: 'wechatpay',
        providerTransactionId: event.payload['providerTransactionId'],
        amount: 19_600,
        currency: 'CNY',
        paidAt: '2025-11-27T10:00:00.000Z',
      },
    });
  });

  it('applies the same event delivered ten times at once exactly once', async () => {
    const { orderNo } = await newOrder();
    const event = paymentSucceeded(orderNo);
    await Promise.all(Array.from({ length: 10 }, () => publish(event)));
    await allConsumed();

    const order = await orderOf(orderNo);
    expect(order.status).toBe('PAID');
    expect(order.timeline.filter((t: { event: string }) => t.event === 'paid')).toHaveLength(1);
    expect(order.timeline).toHaveLength(2);
    expect(await outboxCount(Topics.OrderPaid, orderNo)).toBe(1);
    const [{ n }] = await dataSource.query('SELECT count(*)::int AS n FROM inbox_events WHERE event_id = $1', [
      event.eventId,
    ]);
    expect(n).toBe(1);
    await eventually(async () => (orderPaid.some((e) => e.key === orderNo) ? true : undefined));
    // Give a wrongly written second OrderPaid the time to arrive before counting.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(orderPaid.filter((e) => e.key === orderNo)).toHaveLength(1);
  });

  it('applies one event handled ten times in parallel (say, by ten replicas) once: the inbox decides', async () => {
    const { orderNo } = await newOrder();
    const event = paymentSucceeded(orderNo);
    const payments = orders.app.get(OrderPaymentsService);
    const payment = parsePayload(PaymentSucceededV1, event.payload);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => payments.applyPaymentSucceeded(event.eventId, payment)),
    );
    expect(outcomes.sort()).toEqual([...Array<string>(9).fill('duplicate'), 'paid']);
    const order = await orderOf(orderNo);
    expect(order.timeline.map((t: { event: string }) => t.event)).toEqual(['created', 'paid']);
    expect(await outboxCount(Topics.OrderPaid, orderNo)).toBe(1);
  });

  it('applies ten different events for one payment in parallel once: the row lock decides', async () => {
    const { orderNo } = await newOrder();
    const payment = parsePayload(PaymentSucceededV1, paymentSucceeded(orderNo).payload);
    const payments = orders.app.get(OrderPaymentsService);
    const outcomes = await Promise.all(
      Array.from({ length: 10 }, () => payments.applyPaymentSucceeded(randomUUID(), payment)),
    );
    expect(outcomes.sort()).toEqual([...Array<string>(9).fill('already-paid'), 'paid']);
    const order = await orderOf(orderNo);
    expect(order.timeline.map((t: { event: string }) => t.event)).toEqual(['created', 'paid']);
    expect(await outboxCount(Topics.OrderPaid, orderNo)).toBe(1);
  });

  it('treats another event for the same provider transaction (a callback and a query) as already applied', async () => {
    const { orderNo } = await newOrder();
    const first = paymentSucceeded(orderNo);
    await publish(first);
    await paidOrder(orderNo);
    await publish({ ...first, eventId: randomUUID() });
    await allConsumed();

    const order = await orderOf(orderNo);
    expect(order.timeline.map((t: { event: string }) => t.event)).toEqual(['created', 'paid']);
    expect(await outboxCount(Topics.OrderPaid, orderNo)).toBe(1);
  });

  it('keeps a paid order PAID by its first payment and records a second, different payment on its timeline', async () => {
    const { orderNo } = await newOrder();
    const first = paymentSucceeded(orderNo);
    await publish(first);
    await paidOrder(orderNo);
    const second = paymentSucceeded(orderNo, { provider: 'unionpay', paidAt: '2025-11-27T11:00:00.000Z' });
    await publish(second);
    await allConsumed();

    const order = await orderOf(orderNo);
    expect(order).toMatchObject({
      status: 'PAID',
      paidAt: '2025-11-27T10:00:00.000Z',
      paymentProvider: 'alipay',
      providerTransactionId: first.payload['providerTransactionId'],
    });
    expect(order.timeline.map((t: { event: string }) => t.event)).toEqual([
      'created',
      'paid',
      'payment-after-final-state',
    ]);
    expect(order.timeline[2].detail).toMatchObject({
      status: 'PAID',
      eventId: second.eventId,
      provider: 'unionpay',
      providerTransactionId: second.payload['providerTransactionId'],
      amount: 19_600,
      currency: 'CNY',
      paidBy: { provider: 'alipay', providerTransactionId: first.payload['providerTransactionId'] },
    });
    expect(await outboxCount(Topics.OrderPaid, orderNo)).toBe(1);
  });

  it('never pays a cancelled order, and records the payment on its timeline', async () => {
    const { orderNo } = await newOrder();
    // No cancel endpoint yet (a later issue): the state is set directly.
    await dataSource.query(
      `UPDATE orders SET status = 'CANCELLED', cancelled_at = now(), cancel_reason = 'test' WHERE order_no = $1`,
      [orderNo],
    );
    await publish(paymentSucceeded(orderNo));
    await allConsumed();

    const order = await orderOf(orderNo);
    expect(order).toMatchObject({ status: 'CANCELLED', paidAt: null, paymentProvider: null, cancelReason: 'test' });
    expect(order.timeline.map((t: { event: string }) => t.event)).toEqual(['created', 'payment-after-final-state']);
    expect(order.timeline[1].detail).toMatchObject({ status: 'CANCELLED', paidBy: null });
    expect(await outboxCount(Topics.OrderPaid, orderNo)).toBe(0);
  });

  it.each([
    ['an amount one fen short', { amount: 19_599 }],
    ['the same amount in another currency', { currency: 'USD' }],
  ])('leaves the order waiting for payment on %s, and flags it for review', async (_case, overrides) => {
    const { orderNo } = await newOrder();
    const event = paymentSucceeded(orderNo, overrides);
    await publish(event);

    const order = await eventually(
      async () => {
        const o = await orderOf(orderNo);
        return o.review ? o : undefined;
      },
      { message: `order ${orderNo} flagged for review` },
    );
    const got = { amount: 19_600, currency: 'CNY', ...overrides };
    expect(order).toMatchObject({
      status: 'PENDING_PAYMENT',
      paidAt: null,
      paymentProvider: null,
      review: {
        reason: 'AMOUNT_MISMATCH',
        detail: {
          expected: { amount: 19_600, currency: 'CNY' },
          got,
          provider: 'alipay',
          providerTransactionId: event.payload['providerTransactionId'],
        },
        flaggedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      },
    });
    expect(order.timeline.map((t: { event: string }) => t.event)).toEqual(['created', 'payment-amount-mismatch']);
    expect(await outboxCount(Topics.OrderPaid, orderNo)).toBe(0);
    const list = await orders.request({
      method: 'GET',
      url: `/internal/v1/orders?customerId=${order.customerId}`,
    });
    expect(list.json().items[0]).toMatchObject({ orderNo, status: 'PENDING_PAYMENT', underReview: true });
  });

  it('records a payment for an unknown order as seen and changes nothing else', async () => {
    const before = await dataSource.query('SELECT count(*)::int AS n FROM order_timeline');
    const event = paymentSucceeded('20251127000000UNKNOWN01');
    await publish(event);
    await allConsumed();

    const inbox = await dataSource.query('SELECT consumer, topic FROM inbox_events WHERE event_id = $1', [
      event.eventId,
    ]);
    expect(inbox).toEqual([{ consumer: 'order-service', topic: Topics.PaymentSucceeded }]);
    expect(await dataSource.query('SELECT count(*)::int AS n FROM order_timeline')).toEqual(before);
    expect(await outboxCount(Topics.OrderPaid, '20251127000000UNKNOWN01')).toBe(0);
  });
  it('applies a burst of events in shared transactions, each exactly once, a repeat among them, and then a broken one', async () => {
    const placed = await Promise.all(Array.from({ length: 30 }, () => newOrder()));
    const events = placed.map(({ orderNo }) => paymentSucceeded(orderNo));
    const broken = paymentSucceeded(placed[7].orderNo, { amount: 'a lot' });
    // One send: each partition's share lands as one record batch, fetched and applied together. The broken event
    // goes on its own: runs that arrive together share one transaction across partitions, and a failing event
    // sends its whole group back to one event per transaction (the runner's unit tests cover that fallback), so
    // in the same burst it could leave no shared transaction to see.
    await publish(...events.slice(0, 15), events[3], ...events.slice(15));
    await allConsumed();
    await publish(broken);
    await allConsumed();

    const orderNos = placed.map((o) => o.orderNo);
    const rows: { status: string; paid: number; outbox: number; tx: string }[] = await dataSource.query(
      `SELECT o.status, o.xmin::text AS tx,
         (SELECT count(*)::int FROM order_timeline t WHERE t.order_id = o.id AND t.event = 'paid') AS paid,
         (SELECT count(*)::int FROM outbox_events e WHERE e.message_key = o.order_no AND e.topic = $2) AS outbox
       FROM orders o WHERE o.order_no = ANY($1)`,
      [orderNos, Topics.OrderPaid],
    );
    expect(rows).toHaveLength(30);
    expect(rows.every((r) => r.status === 'PAID' && r.paid === 1 && r.outbox === 1)).toBe(true);
    // Fewer transactions than events: orders paid by one batch share the transaction that paid them.
    expect(new Set(rows.map((r) => r.tx)).size).toBeLessThan(30);
    const [{ n }] = await dataSource.query('SELECT count(*)::int AS n FROM inbox_events WHERE event_id = ANY($1)', [
      [...events.map((e) => e.eventId), broken.eventId],
    ]);
    // Every event once; the broken one (dead-lettered) never.
    expect(n).toBe(30);
  });
});
