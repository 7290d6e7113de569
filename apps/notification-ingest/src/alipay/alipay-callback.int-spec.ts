import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Partitioners, type Consumer, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { Topics, deterministicEventId, type EventEnvelope } from '@shop/contracts';
import { KAFKA_SETTINGS, createKafka, physicalName, type KafkaSettings } from '@shop/messaging';
import { Money } from '@shop/money';
import { AlipaySimulator, generateAlipayKeys, type AlipayKeys, type AlipayPayOptions } from '@shop/provider-simulators';
import { AlipayClient, parseChinaTime } from '@shop/providers';
import { eventually, groupJoined, startServiceForTest, type RunningService } from '@shop/testing';
import type { NotificationIngestConfig } from '../notification-ingest.config';
import { service } from '../service';

const APP_ID = '2021000000000001';
const SELLER_ID = '2088000000000001';
const FORM = 'application/x-www-form-urlencoded';
// '+', '%' and non-ASCII in a signed value: verifying anything but the raw form, decoded once, breaks on them.
const SUBJECT = 'Tea+Cake 100% 龙井茶 & more';

interface NotificationRow {
  notification_key: string;
  raw_body: string;
  fields: Record<string, string>;
  order_no: string;
  provider_transaction_id: string;
  trade_status: string;
  amount: string;
  currency: string;
  classification: string;
  event_id: string | null;
  source_ip: string | null;
}

// notification-ingest end to end on the real Kafka and PostgreSQL: a faithful Alipay simulator posts signed
// notifications over HTTP to the service listening on a random port; the merchant side (what payment-gateway
// does) opens the trades with an AlipayClient; orders become known through real OrderCreated events.
describe('POST /callbacks/alipay', () => {
  let ingest: RunningService<NotificationIngestConfig>;
  let keys: AlipayKeys;
  let strangerKeys: AlipayKeys;
  let simulator: AlipaySimulator;
  let merchant: AlipayClient;
  let notifyUrl: string;
  let settings: KafkaSettings;
  let producer: Producer;
  let paymentsReader: Consumer;
  let db: DataSource;
  const payments: EventEnvelope[] = [];

  beforeAll(async () => {
    [keys, strangerKeys] = await Promise.all([generateAlipayKeys(), generateAlipayKeys()]);
    ingest = await startServiceForTest(service, {
      ALIPAY_APP_ID: APP_ID,
      ALIPAY_SELLER_ID: SELLER_ID,
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKeyBase64,
      // The refusals below all come from 127.0.0.1; the source brake is another spec's subject.
      CALLBACK_REJECTIONS_PER_MINUTE: '100000',
    });
    await ingest.app.listen(0, '127.0.0.1');
    const { port } = ingest.app.getHttpServer().address() as AddressInfo;
    notifyUrl = `http://127.0.0.1:${port}/callbacks/alipay`;
    db = ingest.app.get(DataSource);

    simulator = new AlipaySimulator({
      appId: APP_ID,
      sellerId: SELLER_ID,
      appPublicKey: keys.app.publicKeyBase64,
      alipayPrivateKey: keys.alipay.privateKey,
    });
    await simulator.start();
    merchant = new AlipayClient({
      appId: APP_ID,
      privateKey: keys.app.privateKeyPkcs8Pem,
      alipayPublicKey: keys.alipay.publicKeyBase64,
      gatewayUrl: simulator.gatewayUrl,
    });

    settings = ingest.app.get<KafkaSettings>(KAFKA_SETTINGS);
    const kafka = createKafka({ ...settings, clientId: 'ingest-test' });
    producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    paymentsReader = kafka.consumer({ groupId: physicalName(settings, 'ingest-test-payments-reader') });
    const joined = groupJoined(paymentsReader);
    await paymentsReader.connect();
    await paymentsReader.subscribe({ topic: physicalName(settings, Topics.PaymentSucceeded), fromBeginning: true });
    await paymentsReader.run({
      eachMessage: async ({ message }) => {
        payments.push(JSON.parse(message.value?.toString('utf8') ?? 'null') as EventEnvelope);
      },
    });
    await joined;
  });

  afterAll(async () => {
    await paymentsReader?.disconnect();
    await producer?.disconnect();
    await simulator?.stop();
    await ingest?.stop();
  });

  function newOrderNo(): string {
    return `ORD${randomBytes(6).toString('hex').toUpperCase()}`;
  }

  function orderCreated(orderNo: string, totalAmount: number, eventId = randomUUID()): EventEnvelope {
    return {
      eventId,
      type: 'OrderCreated',
      version: 1,
      occurredAt: new Date().toISOString(),
      key: orderNo,
      producer: 'test',
      payload: {
        orderNo,
        customerId: 'customer-1',
        totalAmount,
        currency: 'CNY',
        items: [{ sku: 'TEA-001', quantity: 1, unitAmount: totalAmount }],
      },
    };
  }

  async function publishOrders(...envelopes: EventEnvelope[]): Promise<void> {
    await producer.send({
      topic: physicalName(settings, Topics.OrderCreated),
      acks: -1,
      messages: envelopes.map((e) => ({ key: e.key, value: JSON.stringify(e) })),
    });
  }

  async function knownOrder(orderNo: string): Promise<{ total_amount: string; currency: string } | undefined> {
    const rows = await db.query('SELECT total_amount, currency FROM known_orders WHERE order_no = $1', [orderNo]);
    return rows[0];
  }

  /** An order the order-service announced (OrderCreated consumed) and the merchant opened at Alipay. */
  async function knownTrade(totalFen = 12_345): Promise<string> {
    const orderNo = newOrderNo();
    await publishOrders(orderCreated(orderNo, totalFen));
    await eventually(() => knownOrder(orderNo), { message: `known_orders has ${orderNo}` });
    await openTrade(orderNo, totalFen);
    return orderNo;
  }

  /** Opens the trade at the simulator as payment-gateway would, with our notify_url. */
  async function openTrade(orderNo: string, totalFen: number): Promise<void> {
    const result = await merchant.createPayment({
      orderNo,
      amount: Money.of(totalFen, 'CNY'),
      subject: SUBJECT,
      method: 'qr',
      notifyUrl,
    });
    expect(result.kind).toBe('qr');
  }

  async function rowsOf(orderNo: string): Promise<NotificationRow[]> {
    return db.query(
      `SELECT notification_key, raw_body, fields, order_no, provider_transaction_id, trade_status, amount, currency,
              classification, event_id, host(source_ip) AS source_ip
       FROM provider_notifications WHERE order_no = $1 ORDER BY id`,
      [orderNo],
    );
  }

  async function outboxCount(orderNo: string): Promise<number> {
    const [{ n }] = await db.query('SELECT count(*)::int AS n FROM outbox_events WHERE message_key = $1', [orderNo]);
    return n as number;
  }

  /**
   * The PaymentSucceeded events of an order on the topic, once the relay has published every outbox row and a
   * moment has passed for the reader: enough to see a second event if one had been written.
   */
  async function settledPaymentsOf(orderNo: string): Promise<EventEnvelope[]> {
    await eventually(
      async () => {
        const [{ n }] = await db.query('SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL');
        return n === 0 ? true : undefined;
      },
      { message: 'the relay published every outbox row' },
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return payments.filter((e) => e.key === orderNo);
  }

  async function callbackCounts(): Promise<Record<string, number>> {
    const response = await ingest.request({ method: 'GET', url: '/metrics' });
    const counts: Record<string, number> = {};
    for (const match of response.body.matchAll(/^payment_callbacks_total\{([^}]*)\} (\d+)$/gm)) {
      const labels = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      if (labels.provider === 'alipay') counts[labels.outcome] = Number(match[2]);
    }
    return counts;
  }

  /** Which outcomes a block of callbacks added to payment_callbacks_total, e.g. { accepted: 1 }. */
  async function countedOutcomes(action: () => Promise<void>): Promise<Record<string, number>> {
    const before = await callbackCounts();
    await action();
    const after = await callbackCounts();
    return Object.fromEntries(
      Object.entries(after)
        .map(([outcome, n]) => [outcome, n - (before[outcome] ?? 0)] as const)
        .filter(([, n]) => n !== 0),
    );
  }

  function post(payload: string, contentType = FORM) {
    return ingest.request({
      method: 'POST',
      url: '/callbacks/alipay',
      headers: { 'content-type': contentType },
      payload,
    });
  }

  it('acknowledges a valid payment with `success`, stores it once and publishes one PaymentSucceeded in fen', async () => {
    const orderNo = await knownTrade(12_345);
    let result!: Awaited<ReturnType<AlipaySimulator['pay']>>;
    expect(
      await countedOutcomes(async () => {
        result = await simulator.pay(orderNo);
      }),
    ).toEqual({ accepted: 1 });
    expect(result.status).toBe(200);
    expect(result.body).toBe('success');

    const notification = result.notification;
    const eventId = deterministicEventId('alipay', notification.trade_no, 'PaymentSucceeded');
    expect(await rowsOf(orderNo)).toEqual([
      {
        notification_key: notification.notify_id,
        raw_body: new URLSearchParams(notification).toString(),
        fields: notification,
        order_no: orderNo,
        provider_transaction_id: notification.trade_no,
        trade_status: 'TRADE_SUCCESS',
        amount: '12345',
        currency: 'CNY',
        classification: 'payment',
        event_id: eventId,
        source_ip: '127.0.0.1',
      },
    ]);
    const events = await settledPaymentsOf(orderNo);
    expect(events).toEqual([
      expect.objectContaining({
        eventId,
        type: 'PaymentSucceeded',
        version: 1,
        key: orderNo,
        producer: 'notification-ingest',
        payload: {
          orderNo,
          provider: 'alipay',
          providerTransactionId: notification.trade_no,
          amount: 12_345,
          currency: 'CNY',
          paidAt: parseChinaTime(notification.gmt_payment)?.toISOString(),
        },
      }),
    ]);
  });

  it('answers the same notification delivered 10 times at once, then retried, with `success` and one event', async () => {
    const orderNo = await knownTrade(990);
    let concurrent!: Awaited<ReturnType<AlipaySimulator['pay']>>;
    let retried!: Awaited<ReturnType<AlipaySimulator['pay']>>;
    const outcomes = await countedOutcomes(async () => {
      concurrent = await simulator.pay(orderNo, { concurrent: 10 });
      // Alipay's retries keep notify_id but carry a new notify_time, so they are signed differently.
      retried = await simulator.pay(orderNo, { times: 2 });
    });
    expect(outcomes).toEqual({ accepted: 1, duplicate: 11 });
    expect([...concurrent.deliveries, ...retried.deliveries]).toEqual(
      Array.from({ length: 12 }, () => ({ status: 200, body: 'success' })),
    );
    expect(retried.notification.notify_id).toBe(concurrent.notification.notify_id);

    expect(await rowsOf(orderNo)).toHaveLength(1);
    expect(await outboxCount(orderNo)).toBe(1);
    const events = await settledPaymentsOf(orderNo);
    expect(events.map((e) => [e.eventId, (e.payload as { amount: number }).amount])).toEqual([
      [deterministicEventId('alipay', concurrent.notification.trade_no, 'PaymentSucceeded'), 990],
    ]);
  });

  it('stores a later notification of the same payment (TRADE_FINISHED, new notify_id) but writes no second event', async () => {
    const orderNo = await knownTrade(5_000);
    const first = await simulator.pay(orderNo);
    expect(first.body).toBe('success');
    const finished = simulator.buildNotification({
      ...first.notification,
      trade_status: 'TRADE_FINISHED',
      notify_id: `${first.notification.notify_id}9`,
    });

    const outcomes = await countedOutcomes(async () => {
      const response = await post(new URLSearchParams(finished).toString());
      expect([response.statusCode, response.body]).toEqual([200, 'success']);
    });
    expect(outcomes).toEqual({ duplicate: 1 });
    expect((await rowsOf(orderNo)).map((r) => [r.trade_status, r.classification])).toEqual([
      ['TRADE_SUCCESS', 'payment'],
      ['TRADE_FINISHED', 'payment'],
    ]);
    expect(await outboxCount(orderNo)).toBe(1);
    expect(await settledPaymentsOf(orderNo)).toHaveLength(1);
  });

  it('shares statements among callbacks that arrive together, and answers each for its own outcome', async () => {
    /** A signed TRADE_SUCCESS notification of the order, as Alipay posts it. */
    const paid = (orderNo: string, totalFen: number, extra: Record<string, string> = {}): string => {
      const amount = (totalFen / 100).toFixed(2);
      const now = '2026-12-06 10:00:00';
      return new URLSearchParams(
        simulator.buildNotification({
          notify_id: randomBytes(16).toString('hex'),
          notify_time: now,
          notify_type: 'trade_status_sync',
          app_id: APP_ID,
          seller_id: SELLER_ID,
          charset: 'utf-8',
          version: '1.0',
          sign_type: 'RSA2',
          out_trade_no: orderNo,
          trade_no: `2026${randomBytes(12).toString('hex').replace(/[a-f]/g, '7').slice(0, 24)}`,
          trade_status: 'TRADE_SUCCESS',
          total_amount: amount,
          receipt_amount: amount,
          gmt_payment: now,
          ...extra,
        }),
      ).toString();
    };
    const orders = Array.from({ length: 30 }, (_, i) => ({ orderNo: newOrderNo(), totalFen: 1_000 + i }));
    await publishOrders(...orders.map(({ orderNo, totalFen }) => orderCreated(orderNo, totalFen)));
    await eventually(
      async () => {
        const [{ n }] = await db.query('SELECT count(*)::int AS n FROM known_orders WHERE order_no = ANY($1)', [
          orders.map((o) => o.orderNo),
        ]);
        return n === orders.length ? true : undefined;
      },
      { message: 'every order is known' },
    );
    const [normal, mismatched, twice, finishedToo] = [
      orders.slice(0, 24),
      orders.slice(24, 27),
      orders.slice(27, 29),
      orders[29],
    ];
    const orphanNo = newOrderNo();
    const bodies = [
      ...normal.map((o) => paid(o.orderNo, o.totalFen)),
      ...mismatched.map((o) => paid(o.orderNo, o.totalFen + 1)),
      // The same notification delivered twice at once, and two notifications (new notify_id) of one payment.
      ...twice.flatMap((o) => Array(2).fill(paid(o.orderNo, o.totalFen)) as string[]),
      ...((): string[] => {
        const first = paid(finishedToo.orderNo, finishedToo.totalFen);
        const fields = Object.fromEntries(new URLSearchParams(first));
        return [
          first,
          paid(finishedToo.orderNo, finishedToo.totalFen, {
            trade_no: fields.trade_no,
            trade_status: 'TRADE_FINISHED',
          }),
        ];
      })(),
      paid(orphanNo, 500),
    ];

    // Every statement the recorder sends, by kind: one callback's, or a group's (and how many it carried).
    const statements: number[] = [];
    const query = jest.spyOn(db, 'query');
    query.mockImplementation(function (this: DataSource, sql: string, parameters?: unknown[]) {
      if (sql.includes('WITH ORDINALITY')) statements.push((parameters?.[0] as unknown[]).length);
      else if (sql.includes('FROM known_orders WHERE order_no = $5')) statements.push(1);
      return DataSource.prototype.query.call(this, sql, parameters);
    } as DataSource['query']);
    // Inserts wait behind a table lock until every callback has arrived, so the groups do not depend on timing.
    const blocker = db.createQueryRunner();
    await blocker.startTransaction();
    await blocker.query('LOCK TABLE provider_notifications IN SHARE MODE');
    let answers!: { statusCode: number; body: string }[];
    let outcomes!: Record<string, number>;
    try {
      outcomes = await countedOutcomes(async () => {
        const posted = Promise.all(bodies.map((body) => post(body)));
        // Asked on the blocker's own connection: the callbacks may hold every other connection of the pool.
        await eventually(
          async () => {
            const [{ n }] = await blocker.query(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()`,
            );
            return n >= 2 ? true : undefined;
          },
          { message: 'two statements wait for the lock' },
        );
        await new Promise((resolve) => setTimeout(resolve, 500));
        await blocker.rollbackTransaction();
        answers = await posted;
      });
    } finally {
      if (blocker.isTransactionActive) await blocker.rollbackTransaction();
      await blocker.release();
      query.mockRestore();
    }

    expect(answers.map((a) => [a.statusCode, a.body])).toEqual(bodies.map(() => [200, 'success']));
    expect(outcomes).toEqual({ accepted: 27, amount_mismatch: 3, duplicate: 3, orphan: 1 });
    // 35 callbacks, 34 of known orders: the first two alone, the rest in a few shared statements (two deliveries
    // of one notification, or two notifications of one payment, never in the same one).
    expect(statements.reduce((a, b) => a + b, 0)).toBe(34);
    expect(statements.length).toBeLessThanOrEqual(6);
    expect(Math.max(...statements)).toBeGreaterThanOrEqual(20);

    const stored: { order_no: string; n: number; classification: string; events: number }[] = await db.query(
      `SELECT n.order_no, count(*)::int AS n, min(n.classification) AS classification,
         (SELECT count(*)::int FROM outbox_events o WHERE o.message_key = n.order_no) AS events
       FROM provider_notifications n WHERE n.order_no = ANY($1) GROUP BY n.order_no`,
      [[...orders.map((o) => o.orderNo), orphanNo]],
    );
    const byOrder = new Map(stored.map((row) => [row.order_no, row]));
    for (const o of [...normal, ...twice])
      expect(byOrder.get(o.orderNo)).toMatchObject({ n: 1, classification: 'payment', events: 1 });
    for (const o of mismatched)
      expect(byOrder.get(o.orderNo)).toMatchObject({ n: 1, classification: 'amount_mismatch', events: 1 });
    expect(byOrder.get(finishedToo.orderNo)).toMatchObject({ n: 2, classification: 'payment', events: 1 });
    expect(byOrder.get(orphanNo)).toMatchObject({ n: 1, classification: 'orphan', events: 0 });
    const events = await settledPaymentsOf(finishedToo.orderNo);
    expect(events).toHaveLength(1);
  });

  describe('refuses, stores nothing and publishes nothing for', () => {
    it.each<[string, () => AlipayPayOptions, string]>([
      ['total_amount tampered with after signing', () => ({ tamper: { total_amount: '0.01' } }), 'rejected_signature'],
      [
        'a signature by another key than Alipay’s',
        () => ({ signWithKey: strangerKeys.alipay.privateKey }),
        'rejected_signature',
      ],
      ['a foreign app_id', () => ({ appId: '2021000000009999' }), 'rejected_merchant'],
      ['a foreign seller_id', () => ({ sellerId: '2088000000009999' }), 'rejected_merchant'],
    ])('%s', async (_case, options, outcome) => {
      const orderNo = await knownTrade(12_345);
      let result!: Awaited<ReturnType<AlipaySimulator['pay']>>;
      expect(
        await countedOutcomes(async () => {
          result = await simulator.pay(orderNo, options());
        }),
      ).toEqual({ [outcome]: 1 });
      expect(result.status).toBe(400);
      expect(result.body).not.toBe('success');
      expect(await rowsOf(orderNo)).toEqual([]);
      expect(await outboxCount(orderNo)).toBe(0);
    });

    it('a notification without sign, an unparseable body, and a body that repeats a field', async () => {
      const orderNo = await knownTrade(12_345);
      const signed = (await simulator.pay(orderNo, { tamper: { sign: '' } })).notification;
      const { sign: _sign, ...unsigned } = simulator.buildNotification(signed);
      const valid = new URLSearchParams(simulator.buildNotification(signed)).toString();
      const bodies = [new URLSearchParams(unsigned).toString(), '%%%not a form%%%', `${valid}&total_amount=0.01`, ''];
      const outcomes = await countedOutcomes(async () => {
        for (const body of bodies) {
          const response = await post(body);
          expect([response.statusCode, response.body]).toEqual([400, 'fail']);
        }
      });
      expect(outcomes).toEqual({ rejected_malformed: bodies.length });
      expect(await rowsOf(orderNo)).toEqual([]);
    });

    it.each([
      ['a NUL', '%00'],
      ['a "!"', '!'],
      ['a line break', '%0A'],
      ['base64 padding', '%3D%3D%3D%3D'],
    ])('a genuine notification whose sign has %s appended (lenient base64 would still verify it)', async (_c, tail) => {
      const orderNo = await knownTrade(12_345);
      const signed = (await simulator.pay(orderNo, { tamper: { sign: '' } })).notification;
      const body = `${new URLSearchParams(simulator.buildNotification(signed)).toString()}${tail}`;
      const outcomes = await countedOutcomes(async () => {
        const response = await post(body);
        expect([response.statusCode, response.body]).toEqual([400, 'fail']);
      });
      expect(outcomes).toEqual({ rejected_signature: 1 });
      expect(await rowsOf(orderNo)).toEqual([]);
    });

    it('a genuinely signed notification with a NUL in a value is stored (U+FFFD in fields, raw_body exact)', async () => {
      const orderNo = await knownTrade(12_345);
      const signed = (await simulator.pay(orderNo, { tamper: { sign: '' } })).notification;
      const body = new URLSearchParams(simulator.buildNotification({ ...signed, subject: 'Tea\u0000Cake' })).toString();
      const response = await post(body);
      expect([response.statusCode, response.body]).toEqual([200, 'success']);
      const rows = await rowsOf(orderNo);
      expect(rows.map((r) => [r.raw_body, r.fields.subject])).toEqual([[body, 'Tea\ufffdCake']]);
    });

    it.each([
      ['an encoded NUL', '%00'],
      ['a raw NUL byte', '\u0000'],
    ])('a genuine notification with %s in its unsigned sign_type answers without a 5xx', async (_c, nul) => {
      const orderNo = await knownTrade(12_345);
      const signed = (await simulator.pay(orderNo, { tamper: { sign: '' } })).notification;
      const body = new URLSearchParams(simulator.buildNotification(signed))
        .toString()
        .replace('sign_type=RSA2', `sign_type=RSA2${nul}`);
      expect(body).toContain(`sign_type=RSA2${nul}`);
      const response = await post(body);
      expect(response.statusCode).toBeLessThan(500);
    });

    it.each([
      ['out_trade_no holds a NUL', { out_trade_no: 'ORD\u0000X' }],
      ['trade_status is 300 characters long', { trade_status: 'X'.repeat(300) }],
      ['trade_no is 300 characters long', { trade_no: '2'.repeat(300) }],
    ])('a genuinely signed notification whose %s: 400 malformed, never a 5xx', async (_c, change) => {
      const orderNo = await knownTrade(12_345);
      const signed = (await simulator.pay(orderNo, { tamper: { sign: '' } })).notification;
      const body = new URLSearchParams(simulator.buildNotification({ ...signed, ...change })).toString();
      const outcomes = await countedOutcomes(async () => {
        const response = await post(body);
        expect([response.statusCode, response.body]).toEqual([400, 'fail']);
      });
      expect(outcomes).toEqual({ rejected_malformed: 1 });
      expect(await rowsOf(orderNo)).toEqual([]);
    });

    it('another content type, even with a validly signed form inside', async () => {
      const orderNo = await knownTrade(12_345);
      const signed = (await simulator.pay(orderNo, { tamper: { sign: '' } })).notification;
      const notification = simulator.buildNotification(signed);
      const outcomes = await countedOutcomes(async () => {
        const json = await post(JSON.stringify(notification), 'application/json');
        expect([json.statusCode, json.body]).toEqual([400, 'fail']);
        const text = await post(new URLSearchParams(notification).toString(), 'text/plain');
        expect([text.statusCode, text.body]).toEqual([400, 'fail']);
        // No parser at all for this type: Fastify refuses it before the controller.
        const xml = await post('<xml/>', 'application/xml');
        expect(xml.statusCode).toBe(415);
      });
      expect(outcomes).toEqual({ rejected_content_type: 3 });
      expect(await rowsOf(orderNo)).toEqual([]);
    });

    it('a body over 64 KB, with 413 (64 KB exactly still reaches the verifier)', async () => {
      const limit = 64 * 1024;
      const outcomes = await countedOutcomes(async () => {
        const atLimit = await post(`a=${'x'.repeat(limit - 2)}`);
        expect([atLimit.statusCode, atLimit.body]).toEqual([400, 'fail']);
        const over = await post(`a=${'x'.repeat(limit - 1)}`);
        expect(over.statusCode).toBe(413);
        expect(over.json()).toMatchObject({ statusCode: 413, code: 'PAYLOAD_TOO_LARGE' });
      });
      expect(outcomes).toEqual({ rejected_malformed: 1, rejected_too_large: 1 });
    });
  });

  it('acknowledges a payment for an order it never heard of, keeps it as an orphan and publishes nothing', async () => {
    const orderNo = newOrderNo();
    await openTrade(orderNo, 12_345);
    let result!: Awaited<ReturnType<AlipaySimulator['pay']>>;
    expect(
      await countedOutcomes(async () => {
        result = await simulator.pay(orderNo);
      }),
    ).toEqual({ orphan: 1 });
    expect([result.status, result.body]).toEqual([200, 'success']);
    expect(await rowsOf(orderNo)).toEqual([
      expect.objectContaining({
        classification: 'orphan',
        event_id: null,
        amount: '12345',
        trade_status: 'TRADE_SUCCESS',
      }),
    ]);
    expect(await outboxCount(orderNo)).toBe(0);
    expect(await settledPaymentsOf(orderNo)).toEqual([]);
  });

  it('adopts an orphan when its OrderCreated arrives after the callback: one PaymentSucceeded, once', async () => {
    const orderNo = newOrderNo();
    await openTrade(orderNo, 12_345);
    const result = await simulator.pay(orderNo);
    expect([result.status, result.body]).toEqual([200, 'success']);
    expect((await rowsOf(orderNo))[0].classification).toBe('orphan');

    // The OrderCreated that lagged behind arrives now, twice under different ids (a re-publish).
    await publishOrders(orderCreated(orderNo, 12_345), orderCreated(orderNo, 12_345));
    await eventually(async () => ((await rowsOf(orderNo))[0].classification === 'payment' ? true : undefined), {
      message: 'the orphan adopted',
    });
    const [row] = await rowsOf(orderNo);
    const expectedId = deterministicEventId('alipay', row.provider_transaction_id, 'PaymentSucceeded');
    expect(row.event_id).toBe(expectedId);
    const events = await settledPaymentsOf(orderNo);
    expect(events.map((e) => e.eventId)).toEqual([expectedId]);
    expect(events[0].payload).toMatchObject({ orderNo, amount: 12_345, currency: 'CNY' });

    // A retry of the same notification after adoption changes nothing.
    expect((await simulator.pay(orderNo)).body).toBe('success');
    expect(await outboxCount(orderNo)).toBe(1);
  });

  it('gives an adopted orphan’s PaymentSucceeded the callback’s trace, not the OrderCreated’s', async () => {
    const orderNo = newOrderNo();
    await openTrade(orderNo, 12_345);
    const callbackTrace = randomBytes(16).toString('hex');
    const result = await simulator.pay(orderNo, {
      headers: { traceparent: `00-${callbackTrace}-${randomBytes(8).toString('hex')}-01` },
    });
    expect(result.body).toBe('success');
    const late = orderCreated(orderNo, 12_345);
    late.traceparent = `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`;
    await publishOrders(late);
    await eventually(async () => ((await rowsOf(orderNo))[0].classification === 'payment' ? true : undefined), {
      message: 'the orphan adopted',
    });
    const [event] = await settledPaymentsOf(orderNo);
    expect(event.traceparent).toMatch(new RegExp(`^00-${callbackTrace}-[0-9a-f]{16}-01$`));
  });

  it('adopts a late-known orphan of the wrong amount as an amount mismatch', async () => {
    const orderNo = newOrderNo();
    await openTrade(orderNo, 12_345);
    await simulator.pay(orderNo, { amount: '1.00' });
    await publishOrders(orderCreated(orderNo, 12_345));
    await eventually(async () => ((await rowsOf(orderNo))[0].classification === 'amount_mismatch' ? true : undefined), {
      message: 'the orphan adopted as a mismatch',
    });
    const events = await settledPaymentsOf(orderNo);
    expect(events).toHaveLength(1);
    expect(events[0].payload).toMatchObject({ amount: 100 });
  });

  it.each(['TRADE_CLOSED', 'WAIT_BUYER_PAY'] as const)(
    'acknowledges %s for a known order, stores it and publishes nothing',
    async (tradeStatus) => {
      const orderNo = await knownTrade(12_345);
      let result!: Awaited<ReturnType<AlipaySimulator['pay']>>;
      expect(
        await countedOutcomes(async () => {
          result = await simulator.pay(orderNo, { tradeStatus });
        }),
      ).toEqual({ ignored: 1 });
      expect([result.status, result.body]).toEqual([200, 'success']);
      expect((await rowsOf(orderNo)).map((r) => [r.trade_status, r.classification, r.event_id])).toEqual([
        [tradeStatus, 'non_payment', null],
      ]);
      expect(await outboxCount(orderNo)).toBe(0);
      expect(await settledPaymentsOf(orderNo)).toEqual([]);
    },
  );

  it('flags a validly signed payment of another amount, and still publishes the amount the provider reported', async () => {
    const orderNo = await knownTrade(12_345);
    let result!: Awaited<ReturnType<AlipaySimulator['pay']>>;
    expect(
      await countedOutcomes(async () => {
        result = await simulator.pay(orderNo, { amount: '0.01' });
      }),
    ).toEqual({ amount_mismatch: 1 });
    expect(result.body).toBe('success');
    expect((await rowsOf(orderNo)).map((r) => [r.classification, r.amount])).toEqual([['amount_mismatch', '1']]);
    const events = await settledPaymentsOf(orderNo);
    expect(events.map((e) => (e.payload as { amount: number }).amount)).toEqual([1]);
  });

  it('does not acknowledge what it could not store, and accepts the provider’s retry once it can', async () => {
    const orderNo = await knownTrade(700);
    await db.query('ALTER TABLE provider_notifications RENAME TO provider_notifications_away');
    let failed!: Awaited<ReturnType<AlipaySimulator['pay']>>;
    try {
      expect(
        await countedOutcomes(async () => {
          failed = await simulator.pay(orderNo);
        }),
      ).toEqual({ error: 1 });
    } finally {
      await db.query('ALTER TABLE provider_notifications_away RENAME TO provider_notifications');
    }
    expect(failed.status).toBe(500);
    expect(JSON.parse(failed.body)).toMatchObject({ code: 'NOTIFICATION_NOT_STORED' });
    expect(failed.body).not.toContain(failed.notification.sign.slice(0, 20));
    expect(await outboxCount(orderNo)).toBe(0);

    const retried = await simulator.pay(orderNo);
    expect([retried.status, retried.body]).toEqual([200, 'success']);
    expect(await rowsOf(orderNo)).toHaveLength(1);
    expect(await settledPaymentsOf(orderNo)).toHaveLength(1);
  });

  it('keeps one known order per OrderCreated, whatever the redeliveries', async () => {
    const orderNo = newOrderNo();
    const event = orderCreated(orderNo, 4_200);
    const republished = orderCreated(orderNo, 9_999);
    await publishOrders(event, event, republished);
    // Same key, same partition: once the last event is in the inbox, all three were handled.
    await eventually(
      async () => {
        const rows = await db.query('SELECT 1 FROM inbox_events WHERE event_id = $1', [republished.eventId]);
        return rows.length === 1 ? true : undefined;
      },
      { message: 'the third OrderCreated applied' },
    );
    expect(
      await db.query('SELECT count(*)::int AS n FROM inbox_events WHERE event_id = ANY($1)', [
        [event.eventId, republished.eventId],
      ]),
    ).toEqual([{ n: 2 }]);
    expect(await knownOrder(orderNo)).toEqual({ total_amount: '4200', currency: 'CNY' });
    expect(await db.query('SELECT count(*)::int AS n FROM known_orders WHERE order_no = $1', [orderNo])).toEqual([
      { n: 1 },
    ]);
  });

  it('exposes every outcome of payment_callbacks_total on /metrics', async () => {
    expect(Object.keys(await callbackCounts()).sort()).toEqual(
      [
        'accepted',
        'amount_mismatch',
        'duplicate',
        'error',
        'ignored',
        'orphan',
        'rejected_content_type',
        'rejected_malformed',
        'rejected_merchant',
        'rejected_signature',
        'rejected_too_large',
        'rejected_source',
        'rejected_probe',
        'rejected_replay',
        'rate_limited',
      ].sort(),
    );
  });
});

describe('POST /callbacks/alipay without ALIPAY_APP_ID', () => {
  let ingest: RunningService<NotificationIngestConfig>;

  beforeAll(async () => {
    ingest = await startServiceForTest(service);
  });

  afterAll(async () => {
    await ingest?.stop();
  });

  it('answers 404 PROVIDER_DISABLED in the JSON error format', async () => {
    const response = await ingest.request({
      method: 'POST',
      url: '/callbacks/alipay',
      headers: { 'content-type': FORM },
      payload: 'notify_id=1&sign=x',
    });
    expect(response.statusCode).toBe(404);
    expect(response.json()).toMatchObject({ statusCode: 404, code: 'PROVIDER_DISABLED' });
  });
});
