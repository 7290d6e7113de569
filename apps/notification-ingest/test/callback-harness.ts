// Integration-spec helpers for the notification-ingest callback endpoints: the service on the real Kafka and
// PostgreSQL, listening on a random port for the in-process provider simulators, plus the views of its tables,
// outbox, metrics and PaymentSucceeded topic that the specs assert on.
import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Partitioners, type Consumer, type Producer } from 'kafkajs';
import type { InjectOptions } from 'light-my-request';
import { DataSource } from 'typeorm';
import { Topics, type EventEnvelope, type ProviderName } from '@shop/contracts';
import { KAFKA_SETTINGS, createKafka, physicalName, type KafkaSettings } from '@shop/messaging';
import { eventually, groupJoined, publishEnvelopes, startServiceForTest, type RunningService } from '@shop/testing';
import type { NotificationIngestConfig } from '../src/notification-ingest.config';
import { service } from '../src/service';

/** A provider_notifications row as the specs compare it. */
export interface NotificationRow {
  readonly notification_key: string;
  readonly raw_body: string;
  readonly fields: Record<string, string>;
  readonly order_no: string;
  readonly provider_transaction_id: string;
  readonly trade_status: string;
  readonly kind: string;
  readonly amount: string;
  readonly currency: string;
  readonly classification: string;
  readonly event_id: string | null;
  readonly source_ip: string | null;
}

/** The running notification-ingest and what the callback specs look at. */
export class CallbackHarness {
  /** Every PaymentSucceeded on the topic since the harness started. */
  readonly payments: EventEnvelope[] = [];

  private constructor(
    readonly ingest: RunningService<NotificationIngestConfig>,
    readonly db: DataSource,
    readonly baseUrl: string,
    private readonly settings: KafkaSettings,
    private readonly producer: Producer,
    private readonly reader: Consumer,
  ) {}

  /** Boots the service with `env` (provider variables), listening on 127.0.0.1, and reads PaymentSucceeded. */
  static async start(env: Record<string, string>): Promise<CallbackHarness> {
    const ingest = await startServiceForTest(service, env);
    await ingest.app.listen(0, '127.0.0.1');
    const { port } = ingest.app.getHttpServer().address() as AddressInfo;
    const settings = ingest.app.get<KafkaSettings>(KAFKA_SETTINGS);
    const kafka = createKafka({ ...settings, clientId: 'callback-spec' });
    const producer = kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    const reader = kafka.consumer({ groupId: physicalName(settings, 'callback-spec-payments-reader') });
    const harness = new CallbackHarness(
      ingest,
      ingest.app.get(DataSource),
      `http://127.0.0.1:${port}`,
      settings,
      producer,
      reader,
    );
    const joined = groupJoined(reader);
    await reader.connect();
    await reader.subscribe({ topic: physicalName(settings, Topics.PaymentSucceeded), fromBeginning: true });
    await reader.run({
      eachMessage: ({ message }) => {
        harness.payments.push(JSON.parse(message.value?.toString('utf8') ?? 'null') as EventEnvelope);
        return Promise.resolve();
      },
    });
    await joined;
    return harness;
  }

  async stop(): Promise<void> {
    await this.reader.disconnect();
    await this.producer.disconnect();
    await this.ingest.stop();
  }

  /** The provider's notify URL on this service. */
  url(provider: ProviderName): string {
    return `${this.baseUrl}/callbacks/${provider}`;
  }

  /** A fresh order number that suits every provider (letters and digits, 15 characters). */
  newOrderNo(): string {
    return `ORD${randomBytes(6).toString('hex').toUpperCase()}`;
  }

  /** Announces an order as the order-service would (OrderCreated on Kafka) and waits until it is known. */
  async knownOrder(orderNo: string, totalAmount: number, currency = 'CNY'): Promise<void> {
    const envelope: EventEnvelope = {
      eventId: randomUUID(),
      type: 'OrderCreated',
      version: 1,
      occurredAt: new Date().toISOString(),
      key: orderNo,
      producer: 'test',
      payload: {
        orderNo,
        customerId: 'customer-1',
        totalAmount,
        currency,
        items: [{ sku: 'TEA-001', quantity: 1, unitAmount: totalAmount }],
      },
    };
    await publishEnvelopes(this.producer, physicalName(this.settings, Topics.OrderCreated), [envelope]);
    await eventually(
      async () => {
        const rows: unknown[] = await this.db.query('SELECT 1 FROM known_orders WHERE order_no = $1', [orderNo]);
        return rows.length === 1 ? true : undefined;
      },
      { message: `known_orders has ${orderNo}` },
    );
  }

  /** The stored notifications of an order, oldest first. */
  rowsOf(orderNo: string): Promise<NotificationRow[]> {
    return this.db.query(
      `SELECT notification_key, raw_body, fields, order_no, provider_transaction_id, trade_status, kind, amount,
              currency, classification, event_id, host(source_ip) AS source_ip
       FROM provider_notifications WHERE order_no = $1 ORDER BY id`,
      [orderNo],
    );
  }

  /** How many notifications a provider has stored in all. */
  async storedCount(provider: ProviderName): Promise<number> {
    const [{ n }]: { n: number }[] = await this.db.query(
      'SELECT count(*)::int AS n FROM provider_notifications WHERE provider = $1',
      [provider],
    );
    return n;
  }

  async outboxCount(orderNo: string): Promise<number> {
    const [{ n }]: { n: number }[] = await this.db.query(
      'SELECT count(*)::int AS n FROM outbox_events WHERE message_key = $1',
      [orderNo],
    );
    return n;
  }

  /**
   * The PaymentSucceeded events of an order on the topic, once the relay has published every outbox row and a
   * moment has passed for the reader: enough to see a second event if one had been written.
   */
  async settledPaymentsOf(orderNo: string): Promise<EventEnvelope[]> {
    await eventually(
      async () => {
        const [{ n }]: { n: number }[] = await this.db.query(
          'SELECT count(*)::int AS n FROM outbox_events WHERE published_at IS NULL',
        );
        return n === 0 ? true : undefined;
      },
      { message: 'the relay published every outbox row' },
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    return this.payments.filter((e) => e.key === orderNo);
  }

  /** payment_callbacks_total of one provider, by outcome. */
  async callbackCounts(provider: ProviderName): Promise<Record<string, number>> {
    const response = await this.ingest.request({ method: 'GET', url: '/metrics' });
    const counts: Record<string, number> = {};
    for (const match of response.body.matchAll(/^payment_callbacks_total\{([^}]*)\} (\d+)$/gm)) {
      const labels = Object.fromEntries([...match[1].matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      if (labels.provider === provider) counts[labels.outcome] = Number(match[2]);
    }
    return counts;
  }

  /** Which outcomes a block of callbacks added to payment_callbacks_total, e.g. { accepted: 1 }. */
  async countedOutcomes(provider: ProviderName, action: () => Promise<void>): Promise<Record<string, number>> {
    const before = await this.callbackCounts(provider);
    await action();
    const after = await this.callbackCounts(provider);
    return Object.fromEntries(
      Object.entries(after)
        .map(([outcome, n]) => [outcome, n - (before[outcome] ?? 0)] as const)
        .filter(([, n]) => n !== 0),
    );
  }

  /** POSTs a body to a provider's callback route through the full HTTP pipeline (inject). */
  post(
    provider: ProviderName,
    payload: string,
    contentType: string,
    headers: Record<string, string> = {},
  ): ReturnType<RunningService<NotificationIngestConfig>['request']> {
    const options: InjectOptions = {
      method: 'POST',
      url: `/callbacks/${provider}`,
      headers: { 'content-type': contentType, ...headers },
      payload,
    };
    return this.ingest.request(options);
  }
}

/** Runs `action` and returns it with the outcomes it counted (a shorthand for countedOutcomes). */
export async function withOutcomes<T>(
  harness: CallbackHarness,
  provider: ProviderName,
  action: () => Promise<T>,
): Promise<{ result: T; outcomes: Record<string, number> }> {
  let result!: T;
  const outcomes = await harness.countedOutcomes(provider, async () => {
    result = await action();
  });
  return { result, outcomes };
}
