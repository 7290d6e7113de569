import { randomBytes, randomUUID } from 'node:crypto';
import { Partitioners, type Admin, type Consumer, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { DEAD_LETTER_SUFFIX, Topics, type EventEnvelope } from '@shop/contracts';
import { KAFKA_SETTINGS, createKafka, physicalName, type KafkaSettings } from '@shop/messaging';
import {
  eventually,
  groupJoined,
  startServiceForTest,
  type RunningService,
  publishEnvelopes,
  waitUntilConsumed,
} from '@shop/testing';
import type { LedgerServiceConfig } from '../ledger-service.config';
import { service } from '../service';

interface LedgerEntryJson {
  transactionId: string;
  account: string;
  side: 'debit' | 'credit';
  amount: number;
  currency: string;
  createdAt: string;
}

interface DeadLetter {
  envelope: EventEnvelope;
  error: string;
}

// The ledger-service end to end: PaymentSucceeded events on the real Kafka topic become journal postings,
// read back through the internal HTTP endpoint.
describe('ledger-service posts payment events', () => {
  let ledger: RunningService<LedgerServiceConfig>;
  let settings: KafkaSettings;
  let producer: Producer;
  let admin: Admin;
  let dlqReader: Consumer;
  const deadLetters: DeadLetter[] = [];

  beforeAll(async () => {
    ledger = await startServiceForTest(service);
    settings = ledger.app.get<KafkaSettings>(KAFKA_SETTINGS);
    const kafka = createKafka({ ...settings, clientId: 'ledger-test' });
    producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    admin = kafka.admin();
    await admin.connect();
    dlqReader = kafka.consumer({ groupId: physicalName(settings, 'ledger-test-dlq-reader') });
    const joined = groupJoined(dlqReader);
    await dlqReader.connect();
    await dlqReader.subscribe({
      topic: physicalName(settings, `${Topics.PaymentSucceeded}${DEAD_LETTER_SUFFIX}`),
      fromBeginning: true,
    });
    await dlqReader.run({
      eachMessage: async ({ message }) => {
        deadLetters.push({
          envelope: JSON.parse(message.value?.toString('utf8') ?? 'null') as EventEnvelope,
          error: message.headers?.['dlq-error']?.toString() ?? '',
        });
      },
    });
    await joined;
  });

  afterAll(async () => {
    await dlqReader?.disconnect();
    await admin?.disconnect();
    await producer?.disconnect();
    await ledger?.stop();
  });

  function newOrderNo(): string {
    return `ORD${randomBytes(6).toString('hex').toUpperCase()}`;
  }

  function paymentSucceeded(
    orderNo: string,
    overrides: Record<string, unknown> = {},
    eventId = randomUUID(),
  ): EventEnvelope {
    return {
      eventId,
      type: 'PaymentSucceeded',
      version: 1,
      occurredAt: new Date().toISOString(),
      key: orderNo,
      producer: 'test',
      payload: {
        orderNo,
        provider: 'alipay',
        providerTransactionId: `2025${randomBytes(8).toString('hex')}`,
        amount: 12_345,
        currency: 'CNY',
        paidAt: new Date().toISOString(),
        ...overrides,
      },
    };
  }

  function publish(...envelopes: EventEnvelope[]): Promise<void> {
    return publishEnvelopes(producer, physicalName(settings, Topics.PaymentSucceeded), envelopes);
  }

  /** Waits until the ledger's consumer group has committed every message on the topic: all of them applied. */
  function allConsumed(): Promise<void> {
    return waitUntilConsumed(
      admin,
      physicalName(settings, Topics.PaymentSucceeded),
      physicalName(settings, 'ledger-service'),
    );
  }

  async function ledgerOf(orderNo: string): Promise<LedgerEntryJson[]> {
    const response = await ledger.request({ method: 'GET', url: `/internal/v1/orders/${orderNo}/ledger` });
    expect(response.statusCode).toBe(200);
    return response.json<{ entries: LedgerEntryJson[] }>().entries;
  }

  async function postedLedgerOf(orderNo: string): Promise<LedgerEntryJson[]> {
    return eventually(
      async () => {
        const entries = await ledgerOf(orderNo);
        return entries.length > 0 ? entries : undefined;
      },
      { message: `a posting for ${orderNo}` },
    );
  }

  async function journalTransactionsOf(eventId: string): Promise<number> {
    const [{ n }] = await ledger.app
      .get(DataSource)
      .query('SELECT count(*)::int AS n FROM journal_transactions WHERE event_id = $1', [eventId]);
    return n as number;
  }

  it('posts one balanced transaction for a payment: debit the provider clearing account, credit customer orders', async () => {
    const orderNo = newOrderNo();
    const event = paymentSucceeded(orderNo);
    await publish(event);

    const entries = await postedLedgerOf(orderNo);
    expect(entries).toEqual([
      {
        transactionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        account: 'assets:alipay-clearing',
        side: 'debit',
        amount: 12_345,
        currency: 'CNY',
        createdAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      },
      {
        transactionId: entries[0]?.transactionId,
        account: 'liabilities:customer-orders',
        side: 'credit',
        amount: 12_345,
        currency: 'CNY',
        createdAt: entries[0]?.createdAt,
      },
    ]);
    expect(await journalTransactionsOf(event.eventId)).toBe(1);
  });

  it('posts an event delivered ten times in a row, and ten times at once, exactly once', async () => {
    const orderNo = newOrderNo();
    const event = paymentSucceeded(orderNo);
    for (let i = 0; i < 10; i++) await publish(event);
    await Promise.all(Array.from({ length: 10 }, () => publish(event)));
    await allConsumed();

    expect(await journalTransactionsOf(event.eventId)).toBe(1);
    const entries = await ledgerOf(orderNo);
    expect(entries.map((e) => [e.account, e.side, e.amount])).toEqual([
      ['assets:alipay-clearing', 'debit', 12_345],
      ['liabilities:customer-orders', 'credit', 12_345],
    ]);
  });

  it('posts two different events for two orders as two postings, each on its own provider and currency', async () => {
    const wechatOrder = newOrderNo();
    const stripeOrder = newOrderNo();
    await publish(
      paymentSucceeded(wechatOrder, { provider: 'wechatpay', amount: 500, currency: 'CNY' }),
      paymentSucceeded(stripeOrder, { provider: 'stripe', amount: 1999, currency: 'USD' }),
    );

    const wechat = await postedLedgerOf(wechatOrder);
    const stripe = await postedLedgerOf(stripeOrder);
    expect(wechat.map((e) => [e.account, e.side, e.amount, e.currency])).toEqual([
      ['assets:wechatpay-clearing', 'debit', 500, 'CNY'],
      ['liabilities:customer-orders', 'credit', 500, 'CNY'],
    ]);
    expect(stripe.map((e) => [e.account, e.side, e.amount, e.currency])).toEqual([
      ['assets:stripe-clearing', 'debit', 1999, 'USD'],
      ['liabilities:customer-orders', 'credit', 1999, 'USD'],
    ]);
    expect(wechat[0]?.transactionId).not.toBe(stripe[0]?.transactionId);
  });

  it('dead-letters a payload that breaks the contract, and posts nothing for it', async () => {
    const orderNo = newOrderNo();
    const invalid = paymentSucceeded(orderNo, { amount: '123.45', provider: 'paypal' });
    await publish(invalid);

    const dead = await eventually(async () => deadLetters.find((d) => d.envelope.eventId === invalid.eventId), {
      message: 'the invalid event on the dead-letter topic',
    });
    expect(dead.error).toMatch(/PaymentSucceededV1: .*amount/);
    expect(dead.error).toContain('provider');
    await allConsumed();
    expect(await ledgerOf(orderNo)).toEqual([]);
    expect(await journalTransactionsOf(invalid.eventId)).toBe(0);
  });

  it('dead-letters a zero-amount payment at once: the contract allows it, a journal entry cannot hold it', async () => {
    const orderNo = newOrderNo();
    const zero = paymentSucceeded(orderNo, { amount: 0 });
    await publish(zero);

    const dead = await eventually(async () => deadLetters.find((d) => d.envelope.eventId === zero.eventId), {
      message: 'the zero-amount event on the dead-letter topic',
    });
    expect(dead.error).toContain('LEDGER_INVALID_AMOUNT');
    expect(await ledgerOf(orderNo)).toEqual([]);
  });

  it('answers an order without postings with 200 and no entries', async () => {
    expect(await ledgerOf('UNKNOWN00001')).toEqual([]);
  });

  it.each([
    ['too short', 'ABC1234'],
    ['too long', 'A'.repeat(33)],
    ['not letters and digits', 'ORD-2025-0001'],
  ])('refuses an order number that is %s with 400 naming orderNo', async (_case, orderNo) => {
    const response = await ledger.request({
      method: 'GET',
      url: `/internal/v1/orders/${encodeURIComponent(orderNo)}/ledger`,
    });
    expect(response.statusCode).toBe(400);
    expect(response.json()).toMatchObject({
      statusCode: 400,
      code: 'VALIDATION_FAILED',
      message: expect.stringContaining('orderNo'),
      details: { fields: [{ field: 'orderNo', problems: ['orderNo must be 8 to 32 letters or digits'] }] },
    });
  });
});
