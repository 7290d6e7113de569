import { randomBytes, randomUUID } from 'node:crypto';
import { Partitioners, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { Topics, paymentAnomalyEventId, type EventEnvelope, type PaymentAnomalyType } from '@shop/contracts';
import { KAFKA_SETTINGS, createKafka, physicalName, type KafkaSettings } from '@shop/messaging';
import { eventually, startServiceForTest, type RunningService } from '@shop/testing';
import type { PaymentGatewayConfig } from '../payment-gateway.config';
import { service } from '../service';

interface AnomalyJson {
  type: string;
  orderNo: string;
  provider: string;
  providerTransactionId: string;
  amount: number;
  currency: string;
  detectedAt: string;
  status: string;
}

interface AnomalyPage {
  items: AnomalyJson[];
  page: number;
  pageSize: number;
  total: number;
}

// PaymentAnomalyDetected events on the real Kafka topic become one payment_anomalies row each, however often
// they are delivered, and are listed newest first through the internal API.
describe('payment-gateway records payment anomalies', () => {
  let gateway: RunningService<PaymentGatewayConfig>;
  let settings: KafkaSettings;
  let db: DataSource;
  let producer: Producer;

  beforeAll(async () => {
    gateway = await startServiceForTest(service, { CALLBACK_BASE_URL: 'https://pay.example.test' });
    settings = gateway.app.get<KafkaSettings>(KAFKA_SETTINGS);
    db = gateway.app.get(DataSource);
    producer = createKafka({ ...settings, clientId: 'anomaly-producer' }).producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
  });

  afterAll(async () => {
    await producer?.disconnect();
    await gateway?.stop();
  });

  function anomalyEvent(
    type: PaymentAnomalyType,
    overrides: Record<string, unknown> = {},
  ): EventEnvelope<Record<string, unknown>> {
    const payload = {
      type,
      orderNo: `ORD${randomBytes(6).toString('hex').toUpperCase()}`,
      provider: 'alipay',
      providerTransactionId: `2026${randomBytes(8).toString('hex')}`,
      amount: 19_600,
      currency: 'CNY',
      detectedAt: new Date().toISOString(),
      detail: { statusAtArrival: 'PAID' },
      ...overrides,
    };
    return {
      eventId: paymentAnomalyEventId({
        type,
        provider: payload.provider,
        providerTransactionId: payload.providerTransactionId,
      }),
      type: 'PaymentAnomalyDetected',
      version: 1,
      occurredAt: new Date().toISOString(),
      key: payload.orderNo,
      correlationId: randomUUID(),
      producer: 'test',
      payload,
    };
  }

  async function publish(...envelopes: EventEnvelope[]): Promise<void> {
    await producer.send({
      topic: physicalName(settings, Topics.PaymentAnomalyDetected),
      acks: -1,
      messages: envelopes.map((e) => ({ key: e.key, value: JSON.stringify(e) })),
    });
  }

  async function list(query = ''): Promise<AnomalyPage> {
    const response = await gateway.request({ method: 'GET', url: `/internal/v1/anomalies${query}` });
    expect(response.statusCode).toBe(200);
    return response.json<AnomalyPage>();
  }

  async function rowsFor(orderNo: string): Promise<{ status: string; detail: unknown }[]> {
    return db.query('SELECT status, detail FROM payment_anomalies WHERE order_no = $1', [orderNo]);
  }

  it('stores an anomaly once for a repeated event (same id, and re-detected under another id)', async () => {
    const event = anomalyEvent('DUPLICATE_PAYMENT');
    await publish(event, event, event);
    // The same anomaly re-detected under another event id: the unique (type, provider, transaction) holds.
    await publish({ ...event, eventId: randomUUID() });
    const orderNo = event.key;
    await eventually(
      async () => {
        const [{ n }] = await db.query('SELECT count(*)::int AS n FROM inbox_events WHERE topic = $1', [
          Topics.PaymentAnomalyDetected,
        ]);
        return n >= 2 ? true : undefined;
      },
      { message: 'both event ids consumed' },
    );
    expect(await rowsFor(orderNo)).toEqual([{ status: 'REFUND_REQUIRED', detail: { statusAtArrival: 'PAID' } }]);

    const page = await list('?type=DUPLICATE_PAYMENT');
    expect(page.items.filter((a) => a.orderNo === orderNo)).toEqual([
      {
        id: expect.stringMatching(/^[0-9a-f-]{36}$/),
        type: 'DUPLICATE_PAYMENT',
        orderNo,
        provider: 'alipay',
        providerTransactionId: event.payload['providerTransactionId'],
        amount: 19_600,
        currency: 'CNY',
        detectedAt: event.payload['detectedAt'],
        // No provider is configured here, so nothing can refund it automatically: it waits for an admin.
        status: 'REFUND_REQUIRED',
        refundId: null,
        resolvedBy: null,
        resolutionReason: null,
        resolvedAt: null,
      },
    ]);
  });

  it('lists newest first, filters by type and status, and pages with a total', async () => {
    const base = Date.now() + 60_000;
    const events = (['AMOUNT_MISMATCH', 'ORPHAN_PAYMENT', 'LATE_PAYMENT'] as const).map((type, i) =>
      anomalyEvent(type, { detectedAt: new Date(base + i * 1000).toISOString() }),
    );
    await publish(...events);
    await eventually(
      async () => {
        const [{ n }] = await db.query('SELECT count(*)::int AS n FROM payment_anomalies WHERE order_no = ANY($1)', [
          events.map((e) => e.key),
        ]);
        return n === 3 ? true : undefined;
      },
      { message: 'three anomalies recorded' },
    );

    const first = await list('?page=1&pageSize=2');
    expect(first.page).toBe(1);
    expect(first.pageSize).toBe(2);
    expect(first.total).toBeGreaterThanOrEqual(4);
    // Detected a minute in the future: the newest of all, in reverse order of detection.
    expect(first.items.map((a) => a.type)).toEqual(['LATE_PAYMENT', 'ORPHAN_PAYMENT']);
    const second = await list('?page=2&pageSize=2');
    expect(second.items[0].type).toBe('AMOUNT_MISMATCH');

    const orphans = await list('?type=ORPHAN_PAYMENT&status=REFUND_REQUIRED');
    expect(orphans.items.every((a) => a.type === 'ORPHAN_PAYMENT')).toBe(true);
    expect(orphans.total).toBe(orphans.items.length);
    expect(orphans.items.some((a) => a.orderNo === events[1].key)).toBe(true);

    const beyond = await list('?page=1000&pageSize=100');
    expect(beyond.items).toEqual([]);
    expect(beyond.total).toBe(first.total);
  });

  it('refuses unknown filters and bad pages with 400 naming the field', async () => {
    for (const [query, field] of [
      ['?type=REFUND', 'type'],
      ['?status=DONE', 'status'],
      ['?pageSize=101', 'pageSize'],
      ['?page=0', 'page'],
    ]) {
      const response = await gateway.request({ method: 'GET', url: `/internal/v1/anomalies${query}` });
      expect(response.statusCode).toBe(400);
      expect(response.json<{ message: string }>().message).toContain(field);
    }
  });

  it('dead-letters an event that breaks the contract instead of storing it', async () => {
    const event = anomalyEvent('LATE_PAYMENT', { amount: 12.5 });
    await publish(event);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(await rowsFor(event.key)).toEqual([]);
  });
});
