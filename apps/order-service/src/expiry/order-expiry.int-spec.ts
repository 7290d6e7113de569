import { randomBytes } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { Topics, type EventEnvelope } from '@shop/contracts';
import { KAFKA_SETTINGS, createKafka, physicalName, type KafkaSettings } from '@shop/messaging';
import { eventually, groupJoined, startServiceForTest, type RunningService } from '@shop/testing';
import type { OrderServiceConfig } from '../order-service.config';
import { service } from '../service';

// The expiry sweep on the real database and Kafka: overdue PENDING_PAYMENT orders become CANCELLED/expired with
// one OrderCancelled event; paid orders are never touched; two replicas on one database expire each order once.
const FAST_EXPIRY = { ORDER_PAYMENT_TIMEOUT_SECONDS: '1', EXPIRY_SWEEP_INTERVAL_MS: '100' };

async function createOrder(
  orders: RunningService<OrderServiceConfig>,
): Promise<{ orderNo: string; customerId: string }> {
  const response = await orders.request({
    method: 'POST',
    url: '/internal/v1/orders',
    payload: { customerId: `cust-${randomBytes(4).toString('hex')}`, items: [{ sku: 'MUG-CELADON', quantity: 1 }] },
  });
  expect(response.statusCode).toBe(201);
  return response.json();
}

describe('order expiry', () => {
  let orders: RunningService<OrderServiceConfig>;
  let dataSource: DataSource;
  let reader: Consumer;
  const cancelled: EventEnvelope[] = [];

  beforeAll(async () => {
    orders = await startServiceForTest(service, FAST_EXPIRY);
    dataSource = orders.app.get(DataSource);
    const settings = orders.app.get<KafkaSettings>(KAFKA_SETTINGS);
    reader = createKafka({ ...settings, clientId: 'order-cancelled-reader' }).consumer({
      groupId: physicalName(settings, 'order-cancelled-reader'),
    });
    const joined = groupJoined(reader);
    await reader.connect();
    await reader.subscribe({ topic: physicalName(settings, Topics.OrderCancelled), fromBeginning: true });
    await reader.run({
      eachMessage: async ({ message }) => {
        cancelled.push(JSON.parse(message.value?.toString('utf8') ?? 'null') as EventEnvelope);
      },
    });
    await joined;
  });

  afterAll(async () => {
    await reader?.disconnect();
    await orders?.stop();
  });

  it('cancels an order older than the timeout with reason "expired", a timeline entry and OrderCancelled', async () => {
    const { orderNo, customerId } = await createOrder(orders);
    const order = await eventually(
      async () => {
        const response = await orders.request({ method: 'GET', url: `/internal/v1/orders/${orderNo}` });
        const body = response.json();
        return body.status === 'CANCELLED' ? body : undefined;
      },
      { message: `order ${orderNo} expired` },
    );
    expect(order.timeline.map((entry: { event: string }) => entry.event)).toEqual(['created', 'expired']);
    const [row] = await dataSource.query('SELECT cancel_reason, cancelled_at FROM orders WHERE order_no = $1', [
      orderNo,
    ]);
    expect(row.cancel_reason).toBe('expired');
    expect(row.cancelled_at).toBeInstanceOf(Date);

    const event = await eventually(async () => cancelled.find((e) => e.key === orderNo), {
      message: `OrderCancelled for ${orderNo} on Kafka`,
    });
    expect(event).toMatchObject({ type: 'OrderCancelled', version: 1, producer: 'order-service' });
    expect(event.payload).toEqual({
      orderNo,
      customerId,
      reason: 'expired',
      cancelledAt: (row.cancelled_at as Date).toISOString(),
    });
  });

  it('never expires a PAID order, however old', async () => {
    const { orderNo } = await createOrder(orders);
    // Paid and backdated in one statement, before a sweep can see it as overdue and unpaid.
    await dataSource.query(
      `UPDATE orders SET status = 'PAID', paid_at = now(), payment_provider = 'alipay',
         provider_transaction_id = $2, created_at = now() - interval '1 day'
       WHERE order_no = $1 AND status = 'PENDING_PAYMENT'`,
      [orderNo, `2026${randomBytes(6).toString('hex')}`],
    );
    // Let several sweeps run (100 ms apart), then check nothing happened to it.
    const { orderNo: witness } = await createOrder(orders);
    await eventually(
      async () => {
        const [r] = await dataSource.query('SELECT status FROM orders WHERE order_no = $1', [witness]);
        return r.status === 'CANCELLED' ? true : undefined;
      },
      { message: 'a later order expired, so sweeps ran' },
    );
    const [row] = await dataSource.query('SELECT status, cancel_reason FROM orders WHERE order_no = $1', [orderNo]);
    expect(row).toEqual({ status: 'PAID', cancel_reason: null });
    const [{ n }] = await dataSource.query(
      'SELECT count(*)::int AS n FROM outbox_events WHERE topic = $1 AND message_key = $2',
      [Topics.OrderCancelled, orderNo],
    );
    expect(n).toBe(0);
  });
});

describe('order expiry with two replicas on one database', () => {
  let first: RunningService<OrderServiceConfig>;
  let second: RunningService<OrderServiceConfig> | undefined;

  afterAll(async () => {
    // The second shares the first's database: close it without dropping the database, then stop the first.
    await second?.app.close();
    await first?.stop();
  });

  it('expires each overdue order exactly once', async () => {
    // A long timeout while the orders are written, so neither replica starts before all of them exist.
    first = await startServiceForTest(service, { ...FAST_EXPIRY, ORDER_PAYMENT_TIMEOUT_SECONDS: '3600' });
    const dataSource = first.app.get(DataSource);
    const count = 250; // more than two batches of 100, so both replicas get work
    await dataSource.query(
      `INSERT INTO orders (order_no, customer_id, status, total_amount, currency, created_at)
       SELECT 'EXP' || to_char(g, 'FM000000') || $1, 'cust-replicas', 'PENDING_PAYMENT', 6800, 'CNY', now() - interval '2 hours'
       FROM generate_series(1, $2) g`,
      [randomBytes(4).toString('hex'), count],
    );
    // Restart the first with a one-second timeout and start a second on the same database and topics.
    await first.app.close();
    const shared = {
      ...FAST_EXPIRY,
      DB_NAME: first.config.DB_NAME,
      KAFKA_TOPIC_PREFIX: first.config.KAFKA_TOPIC_PREFIX,
    };
    [first, second] = await Promise.all([startServiceForTest(service, shared), startServiceForTest(service, shared)]);
    const db = first.app.get(DataSource);

    await eventually(
      async () => {
        const [{ n }] = await db.query(
          `SELECT count(*)::int AS n FROM orders WHERE customer_id = 'cust-replicas' AND status = 'PENDING_PAYMENT'`,
        );
        return n === 0 ? true : undefined;
      },
      { message: 'every overdue order expired', timeoutMs: 20_000 },
    );
    const perOrder: { entries: number; events: number }[] = await db.query(
      `SELECT (SELECT count(*)::int FROM order_timeline t WHERE t.order_id = o.id AND t.event = 'expired') AS entries,
              (SELECT count(*)::int FROM outbox_events e WHERE e.topic = $1 AND e.message_key = o.order_no) AS events
       FROM orders o WHERE o.customer_id = 'cust-replicas'`,
      [Topics.OrderCancelled],
    );
    expect(perOrder).toHaveLength(count);
    expect(perOrder.every((r) => r.entries === 1 && r.events === 1)).toBe(true);
    const [{ cancelled }] = await db.query(
      `SELECT count(*)::int AS cancelled FROM orders
       WHERE customer_id = 'cust-replicas' AND status = 'CANCELLED' AND cancel_reason = 'expired'`,
    );
    expect(cancelled).toBe(count);
  });
});
