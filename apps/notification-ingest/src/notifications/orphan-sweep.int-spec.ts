import { randomBytes, randomUUID } from 'node:crypto';
import type { Consumer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { Topics, paymentAnomalyEventId, paymentSucceededEventId, type EventEnvelope } from '@shop/contracts';
import { KAFKA_SETTINGS, createKafka, physicalName, type KafkaSettings } from '@shop/messaging';
import { Money, parseCurrency } from '@shop/money';
import type { VerifiedNotification } from '@shop/providers';
import { eventually, groupJoined, startServiceForTest, type RunningService } from '@shop/testing';
import type { NotificationIngestConfig } from '../notification-ingest.config';
import { KnownOrdersService } from '../orders/known-orders.service';
import { service } from '../service';
import { NotificationRecorder } from './notification-recorder';
import { OrphanSweep } from './orphan-sweep';

const GRACE_SECONDS = 2;

// Orphan payments become ORPHAN_PAYMENT anomalies only once they have stayed orphans past the grace period;
// orphans adopted by their late OrderCreated never do. Real Kafka and PostgreSQL, the service's own sweep timer.
describe('notification-ingest reports orphan payments after the grace period', () => {
  let ingest: RunningService<NotificationIngestConfig>;
  let db: DataSource;
  let recorder: NotificationRecorder;
  let knownOrders: KnownOrdersService;
  let reader: Consumer;
  const anomalies: EventEnvelope[] = [];

  beforeAll(async () => {
    ingest = await startServiceForTest(service, {
      ORPHAN_GRACE_SECONDS: String(GRACE_SECONDS),
      ORPHAN_SWEEP_INTERVAL_SECONDS: '1',
    });
    db = ingest.app.get(DataSource);
    recorder = ingest.app.get(NotificationRecorder);
    knownOrders = ingest.app.get(KnownOrdersService);
    const settings = ingest.app.get<KafkaSettings>(KAFKA_SETTINGS);
    reader = createKafka({ ...settings, clientId: 'orphan-anomaly-reader' }).consumer({
      groupId: physicalName(settings, 'orphan-anomaly-reader'),
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
    await ingest?.stop();
  });

  const newOrderNo = () => `20261127${randomBytes(6).toString('hex').toUpperCase()}`;

  /** A verified TRADE_SUCCESS of 199.00 CNY for `orderNo`, as the Alipay notification verifier would hand it over. */
  function verifiedPayment(orderNo: string): VerifiedNotification {
    return {
      provider: 'alipay',
      notificationKey: `notify-${randomUUID()}`,
      kind: 'payment-succeeded',
      orderNo,
      providerTransactionId: `2026112722001${randomBytes(8).toString('hex')}`,
      amount: Money.of(19_900, parseCurrency('CNY')),
      paidAt: new Date('2026-11-27T10:00:00.000Z'),
      tradeStatus: 'TRADE_SUCCESS',
      fields: { out_trade_no: orderNo },
    };
  }

  async function recordOrphan(notification: VerifiedNotification, receivedAt = new Date()): Promise<void> {
    const recorded = await recorder.record(notification, { rawBody: 'x=1', sourceIp: '127.0.0.1', receivedAt });
    expect(recorded.outcome).toBe('orphan');
  }

  async function anomalyOutboxRows(orderNo: string): Promise<number> {
    const [{ n }]: { n: number }[] = await db.query(
      'SELECT count(*)::int AS n FROM outbox_events WHERE topic = $1 AND message_key = $2',
      [Topics.PaymentAnomalyDetected, orderNo],
    );
    return n;
  }

  it('reports an orphan still unknown after the grace period as ORPHAN_PAYMENT, once', async () => {
    const orderNo = newOrderNo();
    const notification = verifiedPayment(orderNo);
    await recordOrphan(notification);
    // Within the grace period: nothing, however often the sweep runs.
    await ingest.app.get(OrphanSweep).sweep();
    expect(await anomalyOutboxRows(orderNo)).toBe(0);

    const event = await eventually(async () => anomalies.find((e) => e.key === orderNo), {
      timeoutMs: 15_000,
      message: `ORPHAN_PAYMENT for ${orderNo} on Kafka`,
    });
    expect(event).toMatchObject({
      eventId: paymentAnomalyEventId({
        type: 'ORPHAN_PAYMENT',
        provider: 'alipay',
        providerTransactionId: notification.providerTransactionId,
      }),
      type: 'PaymentAnomalyDetected',
      version: 1,
      producer: 'notification-ingest',
      payload: {
        type: 'ORPHAN_PAYMENT',
        orderNo,
        provider: 'alipay',
        providerTransactionId: notification.providerTransactionId,
        amount: 19_900,
        currency: 'CNY',
        detectedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        detail: { notificationKey: notification.notificationKey, tradeStatus: 'TRADE_SUCCESS' },
      },
    });
    // More sweeps (the timer keeps running) report nothing new.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(await anomalyOutboxRows(orderNo)).toBe(1);
    expect(anomalies.filter((e) => e.key === orderNo)).toHaveLength(1);
    const [row] = await db.query(
      'SELECT classification, anomaly_reported_at FROM provider_notifications WHERE order_no = $1',
      [orderNo],
    );
    expect(row.classification).toBe('orphan');
    expect(row.anomaly_reported_at).toBeInstanceOf(Date);
  });

  it('never reports an orphan adopted within the grace period', async () => {
    const orderNo = newOrderNo();
    await recordOrphan(verifiedPayment(orderNo));
    // The order's OrderCreated arrives a moment after the callback (the usual race).
    await knownOrders.recordOrderCreated(
      randomUUID(),
      {
        orderNo,
        customerId: 'cust-1',
        totalAmount: 19_900,
        currency: 'CNY',
        items: [{ sku: 'TEA', quantity: 1, unitAmount: 19_900 }],
      },
      new Date(),
    );
    // Well past the grace period, with the sweep running every second.
    await new Promise((resolve) => setTimeout(resolve, (GRACE_SECONDS + 3) * 1000));
    await ingest.app.get(OrphanSweep).sweep();
    expect(await anomalyOutboxRows(orderNo)).toBe(0);
    expect(anomalies.filter((e) => e.key === orderNo)).toHaveLength(0);
    const [row] = await db.query(
      'SELECT classification, anomaly_reported_at FROM provider_notifications WHERE order_no = $1',
      [orderNo],
    );
    expect(row).toEqual({ classification: 'payment', anomaly_reported_at: null });
  });

  it('reports an old orphan once when sweeps run in parallel (say, on five replicas)', async () => {
    const orderNo = newOrderNo();
    await recordOrphan(verifiedPayment(orderNo), new Date(Date.now() - 600_000));
    const sweep = ingest.app.get(OrphanSweep);
    await Promise.all(Array.from({ length: 5 }, () => sweep.sweep()));
    expect(await anomalyOutboxRows(orderNo)).toBe(1);
  });

  const orderCreated = (orderNo: string) => ({
    orderNo,
    customerId: 'cust-1',
    totalAmount: 19_900,
    currency: 'CNY',
    items: [{ sku: 'TEA', quantity: 1, unitAmount: 19_900 }],
  });

  /** Waits until some backend of this database waits for a lock of the given kind ('relation', 'advisory'). */
  async function lockWaiter(kind: string, orElse?: () => boolean): Promise<boolean> {
    const deadline = Date.now() + 10_000;
    while (Date.now() < deadline) {
      const [{ n }]: { n: number }[] = await db.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
         WHERE datname = current_database() AND wait_event_type = 'Lock' AND wait_event = $1`,
        [kind],
      );
      if (n > 0) return true;
      if (orElse?.()) return false;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(`no backend waited for a ${kind} lock within 10 s`);
  }

  it('adopts a callback that found no order while its OrderCreated was being applied (no lost race)', async () => {
    const orderNo = newOrderNo();
    const notification = verifiedPayment(orderNo);
    // Hold the callback's transaction after its "is the order known?" read: inserts into provider_notifications
    // wait for this SHARE lock, while the adoption's SELECT ... FOR UPDATE does not.
    const holder = db.createQueryRunner();
    await holder.connect();
    await holder.startTransaction();
    try {
      await holder.query('LOCK TABLE provider_notifications IN SHARE MODE');
      const callback = recorder.record(notification, { rawBody: 'x=1', sourceIp: '127.0.0.1', receivedAt: new Date() });
      await lockWaiter('relation');
      let applied = false;
      const created = knownOrders.recordOrderCreated(randomUUID(), orderCreated(orderNo), new Date()).then((r) => {
        applied = true;
        return r;
      });
      // Either the OrderCreated transaction finishes (no serialisation: the race is lost) or it waits for the
      // callback's per-order lock; both ways, the callback then commits.
      await lockWaiter('advisory', () => applied);
      await holder.commitTransaction();
      await Promise.all([callback, created]);
    } finally {
      if (holder.isTransactionActive) await holder.rollbackTransaction();
      await holder.release();
    }
    const [row] = await db.query('SELECT classification, event_id FROM provider_notifications WHERE order_no = $1', [
      orderNo,
    ]);
    expect(row.classification).toBe('payment');
    expect(row.event_id).toBe(paymentSucceededEventId('alipay', notification.providerTransactionId));
  });

  it('adopts an orphan whose order became known before it reports it', async () => {
    const orderNo = newOrderNo();
    const notification = verifiedPayment(orderNo);
    await recordOrphan(notification, new Date(Date.now() - (GRACE_SECONDS + 5) * 1000));
    // The order is known, but the row stayed an orphan (as a lost race or an older version could leave it).
    await db.query(
      `INSERT INTO known_orders (order_no, total_amount, currency, created_at) VALUES ($1, 19900, 'CNY', now())`,
      [orderNo],
    );
    await ingest.app.get(OrphanSweep).sweep();
    expect(await anomalyOutboxRows(orderNo)).toBe(0);
    const [row] = await db.query(
      'SELECT classification, anomaly_reported_at FROM provider_notifications WHERE order_no = $1',
      [orderNo],
    );
    expect(row).toEqual({ classification: 'payment', anomaly_reported_at: null });
    const [{ n }]: { n: number }[] = await db.query(
      'SELECT count(*)::int AS n FROM outbox_events WHERE topic = $1 AND message_key = $2',
      [Topics.PaymentSucceeded, orderNo],
    );
    expect(n).toBe(1);
  });
});
