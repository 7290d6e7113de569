import { randomUUID } from 'node:crypto';
import { Controller, type DynamicModule, Module } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { Partitioners, type Admin, type Producer } from 'kafkajs';
import { DataSource } from 'typeorm';
import { OrderCreatedV1, Topics, parsePayload, type EventEnvelope } from '@shop/contracts';
import { PersistenceModule, prepareDatabase, withAdminClient } from '@shop/persistence';
import { RuntimeModule, ServiceConfig, type ServiceDefinition } from '@shop/runtime';
import { eventually, startServiceForTest, waitUntilConsumed, type RunningService } from '@shop/testing';
import type { ConsumedEvent } from './consumer-runner';
import { CreateMessagingTables1764201600000 } from './create-messaging-tables.migration';
import { deadLetterTopic, readDeadLetters, type DeadLetter } from './dead-letters';
import { recordInInbox } from './inbox';
import { InboxEventEntity } from './inbox-event.entity';
import { physicalName } from './kafka-client';
import { connectEventHandlers } from './kafka-event.transport';
import { MessagingModule } from './messaging.module';
import { MessagingService } from './messaging.service';
import { OutboxEventEntity } from './outbox-event.entity';

const GROUP = 'transient-test';
/** Order numbers whose handler fails as if its database connection were refused, until removed. */
const refusedFor = new Set<string>();

// A thin handler over its own database: validate, then apply once (inbox) in one transaction.
@Controller()
class OrderCreatedHandler {
  constructor(private readonly dataSource: DataSource) {}

  @EventPattern(Topics.OrderCreated)
  async onOrderCreated(@Payload() event: ConsumedEvent): Promise<void> {
    const order = parsePayload(OrderCreatedV1, event.envelope.payload);
    if (refusedFor.has(order.orderNo)) {
      throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    }
    await this.dataSource.transaction(async (manager) => {
      if (await recordInInbox(manager, GROUP, event.envelope.eventId, event.topic)) {
        await manager.query('INSERT INTO applied_orders (order_no) VALUES ($1)', [order.orderNo]);
      }
    });
  }
}

const schema = { entities: [OutboxEventEntity, InboxEventEntity], migrations: [CreateMessagingTables1764201600000] };

@Module({})
class TransientTestModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: TransientTestModule,
      imports: [
        RuntimeModule.forRoot({ service: GROUP, config }),
        PersistenceModule.forRoot(GROUP, schema),
        MessagingModule.forRoot(),
      ],
      controllers: [OrderCreatedHandler],
    };
  }
}

const definition: ServiceDefinition<ServiceConfig> = {
  name: GROUP,
  configSchema: ServiceConfig,
  rootModule: (config) => TransientTestModule.forRoot(config),
  prepare: prepareDatabase(schema),
  configure: (app) => connectEventHandlers(app, GROUP),
};

function orderCreated(orderNo: string, totalAmount = 1200): EventEnvelope {
  return {
    eventId: randomUUID(),
    type: 'OrderCreated',
    version: 1,
    occurredAt: new Date().toISOString(),
    key: orderNo,
    producer: 'test',
    payload: {
      orderNo,
      customerId: 'c-1',
      totalAmount,
      currency: 'CNY',
      items: [{ sku: 'SKU-1', quantity: 1, unitAmount: totalAmount }],
    },
  };
}

// Transient failures (a database that is down, restarting or failing over) are retried until they succeed,
// never dead-lettered; readiness says which consumer is stuck, and recovers by itself.
describe('consumers under transient failures, over the real Kafka and Postgres', () => {
  let service: RunningService<ServiceConfig>;
  let producer: Producer;
  let admin: Admin;
  let topic: string;
  let groupId: string;

  beforeAll(async () => {
    service = await startServiceForTest(definition);
    await service.app
      .get(DataSource)
      .query('CREATE TABLE applied_orders (id serial PRIMARY KEY, order_no text NOT NULL)');
    const messaging = service.app.get(MessagingService);
    topic = physicalName(messaging.settings, Topics.OrderCreated);
    groupId = physicalName(messaging.settings, GROUP);
    producer = messaging.kafka.producer({
      allowAutoTopicCreation: false,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    admin = messaging.kafka.admin();
    await admin.connect();
  }, 60000);

  afterAll(async () => {
    refusedFor.clear();
    await allowConnections(true).catch(() => undefined);
    await producer?.disconnect();
    await admin?.disconnect();
    await service?.stop();
  });

  function allowConnections(allow: boolean): Promise<void> {
    return withAdminClient(service.config, async (client) => {
      await client.query(`ALTER DATABASE "${service.config.DB_NAME}" ALLOW_CONNECTIONS ${allow}`);
      if (!allow) {
        await client.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [
          service.config.DB_NAME,
        ]);
      }
    });
  }

  /** Sends each envelope to the given partition, so a test decides which partitions share a stuck message. */
  async function publish(entries: { envelope: EventEnvelope; partition: number }[]): Promise<void> {
    await producer.send({
      topic,
      acks: -1,
      messages: entries.map(({ envelope, partition }) => ({
        key: envelope.key,
        value: JSON.stringify(envelope),
        partition,
      })),
    });
  }

  async function appliedOrders(): Promise<string[]> {
    const rows: { order_no: string }[] = await service.app
      .get(DataSource)
      .query('SELECT order_no FROM applied_orders ORDER BY id');
    return rows.map((r) => r.order_no);
  }

  async function readiness(): Promise<{ status: number; checks: Record<string, string> }> {
    const answer = await service.request({ method: 'GET', url: '/health/ready' });
    return { status: answer.statusCode, checks: answer.json<{ checks: Record<string, string> }>().checks };
  }

  /** One sample of /metrics by its name and labels as Prometheus prints them. */
  async function metric(sample: string): Promise<number | undefined> {
    const text = (await service.request({ method: 'GET', url: '/metrics' })).body;
    const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
    return line === undefined ? undefined : Number(line.slice(sample.length + 1));
  }

  function deadLetters(): Promise<DeadLetter[]> {
    const { kafka, settings } = service.app.get(MessagingService);
    return readDeadLetters(kafka, settings, deadLetterTopic(settings, Topics.OrderCreated));
  }

  it('applies every event exactly once after its database was unreachable for 8 s, and dead-letters none', async () => {
    const before = [orderCreated('DBDOWN0001'), orderCreated('DBDOWN0002')];
    await publish(before.map((envelope, i) => ({ envelope, partition: i })));
    await eventually(async () => ((await appliedOrders()).length === 2 ? true : undefined), {
      message: 'events before the outage applied',
    });

    await allowConnections(false);
    const during = Array.from({ length: 6 }, (_, i) => orderCreated(`DBDOWN010${i}`));
    await publish(during.map((envelope, i) => ({ envelope, partition: i })));
    const seen: { status: number; checks: Record<string, string> }[] = [];
    const outageEnds = Date.now() + 8000;
    while (Date.now() < outageEnds) {
      seen.push(await readiness());
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await allowConnections(true);

    // Readiness named the stuck consumer while the database was away.
    expect(seen.some((r) => r.status === 503 && /stuck/.test(r.checks['consumers'] ?? ''))).toBe(true);
    await waitUntilConsumed(admin, topic, groupId);
    const applied = await appliedOrders();
    expect([...applied].sort()).toEqual([...before, ...during].map((e) => e.key).sort());
    expect(await deadLetters()).toEqual([]);
    const after = await eventually(
      async () => {
        const r = await readiness();
        return r.status === 200 ? r : undefined;
      },
      { message: 'readiness back to 200' },
    );
    expect(after.checks['consumers']).toBe('up');
    expect(
      await metric('messaging_consumer_retries_total{topic="orders.order-created.v1",failure="transient"}'),
    ).toBeGreaterThan(0);
  }, 90000);

  it('keeps other partitions flowing while one retries, and keeps order behind its stuck message', async () => {
    refusedFor.add('STUCK00001');
    const stuck = orderCreated('STUCK00001');
    const behindStuck = orderCreated('STUCK00002');
    const others = Array.from({ length: 5 }, (_, i) => orderCreated(`FLOWING0${i + 1}`));
    await publish([
      { envelope: stuck, partition: 0 },
      { envelope: behindStuck, partition: 0 },
      ...others.map((envelope, i) => ({ envelope, partition: i + 1 })),
    ]);
    // Then more for the flowing partitions, fetched only after the first batch: they must not wait either.
    const later = Array.from({ length: 5 }, (_, i) => orderCreated(`FLOWING1${i + 1}`));
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await publish(later.map((envelope, i) => ({ envelope, partition: i + 1 })));

    const flowing = [...others, ...later].map((e) => e.key);
    await eventually(
      async () => {
        const applied = await appliedOrders();
        return flowing.every((k) => applied.includes(k)) ? true : undefined;
      },
      { message: 'the other partitions applied their events', timeoutMs: 10000 },
    );
    const stuckReadiness = await eventually(
      async () => {
        const r = await readiness();
        return r.status === 503 ? r : undefined;
      },
      { message: 'readiness 503 while a consumer is stuck', timeoutMs: 15000 },
    );
    expect(stuckReadiness.checks['consumers']).toMatch(/stuck/);
    expect(stuckReadiness.checks['database']).toBe('up');
    expect(await appliedOrders()).not.toContain('STUCK00002');

    refusedFor.delete('STUCK00001');
    await waitUntilConsumed(admin, topic, groupId);
    const applied = await appliedOrders();
    expect(applied.filter((k) => k.startsWith('STUCK'))).toEqual(['STUCK00001', 'STUCK00002']);
    expect(await deadLetters()).toEqual([]);
    await eventually(async () => ((await readiness()).status === 200 ? true : undefined), {
      message: 'readiness back to 200',
    });
  }, 90000);

  it('still dead-letters a payload that breaks its contract, or an unknown event version, at once', async () => {
    const broken = orderCreated('BROKEN0001', -5);
    const nextVersion = { ...orderCreated('VERSION0002'), version: 2 };
    await publish([
      { envelope: broken, partition: 3 },
      { envelope: nextVersion, partition: 4 },
    ]);
    await waitUntilConsumed(admin, topic, groupId);
    // Only these: the tests above must have left the dead-letter topic empty.
    const letters = await deadLetters();
    expect(letters.map((l) => l.eventId).sort()).toEqual([broken.eventId, nextVersion.eventId].sort());
    const byId = new Map(letters.map((l) => [l.eventId, l]));
    expect(byId.get(broken.eventId)).toMatchObject({ attempts: '1' });
    expect(byId.get(broken.eventId)?.error).toMatch(/totalAmount/);
    expect(byId.get(nextVersion.eventId)?.error).toMatch(/unknown event version 2/);
    expect(await appliedOrders()).not.toContain('BROKEN0001');
    expect(await appliedOrders()).not.toContain('VERSION0002');
    expect(await metric('messaging_dead_letters_total{topic="orders.order-created.v1",failure="permanent"}')).toBe(2);
  }, 60000);
});
