import { DataSource } from 'typeorm';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { DEAD_LETTER_SUFFIX, TOPIC_PARTITIONS } from '@shop/contracts';
import { postgresOptions } from '@shop/persistence';
import { createLogger } from '@shop/runtime';
import { createTestDatabase, eventually, groupJoined, testKafkaSettings, type TestDatabase } from '@shop/testing';
import { ConsumerRunner, type ConsumedEvent, type ConsumerRunnerOptions } from './consumer-runner';
import { CreateMessagingTables1764201600000 } from './create-messaging-tables.migration';
import { recordInInbox } from './inbox';
import { InboxEventEntity } from './inbox-event.entity';
import { createKafka, physicalName, type KafkaSettings } from './kafka-client';
import { addToOutbox } from './outbox';
import { OutboxEventEntity } from './outbox-event.entity';
import { OutboxRelay } from './outbox-relay';
import { ensureTopics } from './topic-admin';

const TOPIC = 'test.round-trip.v1';
const logger = createLogger('messaging-test', 'silent');

describe('messaging over the real Kafka and Postgres', () => {
  let db: TestDatabase;
  let dataSource: DataSource;
  let settings: KafkaSettings;
  let kafka: Kafka;
  let producer: Producer;
  let relay: OutboxRelay;
  const runners: ConsumerRunner[] = [];

  beforeAll(async () => {
    db = await createTestDatabase('messaging');
    dataSource = new DataSource(
      postgresOptions(
        db.config,
        { entities: [OutboxEventEntity, InboxEventEntity], migrations: [CreateMessagingTables1764201600000] },
        'messaging-test',
      ),
    );
    await dataSource.initialize();
    await dataSource.runMigrations();
    settings = testKafkaSettings('messaging');
    kafka = createKafka(settings);
    await ensureTopics(
      kafka,
      [TOPIC, `${TOPIC}${DEAD_LETTER_SUFFIX}`].map((t) => physicalName(settings, t)),
      TOPIC_PARTITIONS,
    );
    producer = kafka.producer({
      allowAutoTopicCreation: false,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    await producer.connect();
    relay = new OutboxRelay(dataSource, producer, settings, logger, { pollIntervalMs: 50 });
    relay.start();
  });

  afterAll(async () => {
    await Promise.all(runners.map((r) => r.stop()));
    await relay.stop();
    await producer.disconnect();
    await dataSource.destroy();
    await db.drop();
  });

  async function startConsumer(
    groupId: string,
    handle: (event: ConsumedEvent) => Promise<void>,
    options: Partial<ConsumerRunnerOptions> = {},
  ) {
    const runner = new ConsumerRunner(kafka, producer, settings, logger, {
      groupId,
      handlers: { [TOPIC]: handle },
      initialBackoffMs: 20,
      ...options,
    });
    runners.push(runner);
    await runner.start();
    return runner;
  }

  function writeEvent(key: string, payload: object, eventId?: string): Promise<boolean> {
    return dataSource.transaction((manager) =>
      addToOutbox(manager, 'test', { topic: TOPIC, type: 'RoundTrip', version: 1, key, payload, eventId }),
    );
  }

  it('delivers an outbox event to a consumer once, and the inbox turns a redelivery into a no-op', async () => {
    const applied: string[] = [];
    await startConsumer('round-trip', async (event) => {
      await dataSource.transaction(async (manager) => {
        if (await recordInInbox(manager, 'round-trip', event.envelope.eventId, event.topic)) {
          applied.push((event.envelope.payload as { n: string }).n);
        }
      });
    });

    const eventId = '0b6f1f7e-6f0f-4f0a-9d55-2d1c5d3b9a11';
    expect(await writeEvent('ORDER1', { n: 'first' }, eventId)).toBe(true);
    // The same deterministic event id is stored once: a repeated callback cannot create a second event.
    expect(await writeEvent('ORDER1', { n: 'first again' }, eventId)).toBe(false);
    await eventually(async () => (applied.length === 1 ? true : undefined), { message: 'event consumed' });

    // Redeliver the very same envelope straight to Kafka, as a relay crash after send would.
    const [row] = await dataSource.query('SELECT envelope FROM outbox_events WHERE event_id = $1', [eventId]);
    await producer.send({
      topic: physicalName(settings, TOPIC),
      messages: [{ key: 'ORDER1', value: JSON.stringify(row.envelope) }],
    });
    await writeEvent('ORDER1', { n: 'second' });
    await eventually(async () => (applied.length === 2 ? true : undefined), { message: 'second event consumed' });
    expect(applied).toEqual(['first', 'second']);
    const [{ count }] = await dataSource.query(
      'SELECT count(*)::int AS count FROM outbox_events WHERE published_at IS NULL',
    );
    expect(count).toBe(0);
  });

  it('loses nothing when transactions commit out of id order', async () => {
    const runner = dataSource.createQueryRunner();
    await runner.connect();
    await runner.startTransaction();
    // The slow transaction takes the lower id but commits last.
    await addToOutbox(runner.manager, 'test', {
      topic: TOPIC,
      type: 'RoundTrip',
      version: 1,
      key: 'SLOW',
      payload: { n: 'slow' },
    });
    await writeEvent('FAST', { n: 'fast' });
    await eventually(
      async () => {
        const [r] = await dataSource.query("SELECT published_at FROM outbox_events WHERE message_key = 'FAST'");
        return r?.published_at ? true : undefined;
      },
      { message: 'fast event published' },
    );
    await runner.commitTransaction();
    await runner.release();
    await eventually(
      async () => {
        const [r] = await dataSource.query("SELECT published_at FROM outbox_events WHERE message_key = 'SLOW'");
        return r?.published_at ? true : undefined;
      },
      { message: 'slow event published after its late commit' },
    );
  });

  it('retries an unknown failure a bounded number of times, then dead-letters it and moves on', async () => {
    const attempts = new Map<string, number>();
    const done: string[] = [];
    await startConsumer(
      'flaky',
      async (event) => {
        const n = (event.envelope.payload as { n: string }).n;
        attempts.set(n, (attempts.get(n) ?? 0) + 1);
        if (n === 'poison') throw new Error('cannot apply poison');
        done.push(n);
      },
      { maxAttempts: 3 },
    );
    const dlqConsumer = kafka.consumer({ groupId: physicalName(settings, 'dlq-reader') });
    const dead: { value: string; error: string }[] = [];
    const joined = groupJoined(dlqConsumer);
    await dlqConsumer.connect();
    await dlqConsumer.subscribe({
      topics: [physicalName(settings, `${TOPIC}${DEAD_LETTER_SUFFIX}`)],
      fromBeginning: true,
    });
    await dlqConsumer.run({
      eachMessage: async ({ message }) => {
        dead.push({ value: message.value!.toString(), error: message.headers!['dlq-error']!.toString() });
      },
    });
    await joined;

    await writeEvent('POISON', { n: 'poison' });
    await writeEvent('POISON', { n: 'after-poison' });
    await eventually(async () => (done.includes('after-poison') ? true : undefined), {
      message: 'message after poison consumed',
    });
    await eventually(async () => (dead.length >= 1 ? true : undefined), { message: 'poison dead-lettered' });
    await dlqConsumer.disconnect();

    expect(attempts.get('poison')).toBe(3);
    expect(dead[0].error).toBe('cannot apply poison');
    expect(JSON.parse(dead[0].value).payload).toEqual({ n: 'poison' });
  });

  it('applies a message once after a rebalance and a restart that happened while it waited for a retry', async () => {
    const refused = new Set(['WAIT-1']);
    const applied: string[] = [];
    // The group reads the topic from the beginning: the earlier tests' events are applied too, and ignored here.
    const handle = async (event: ConsumedEvent) => {
      if (refused.has(event.envelope.key)) {
        throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
      }
      await dataSource.transaction(async (manager) => {
        if (await recordInInbox(manager, 'waiting', event.envelope.eventId, event.topic)) {
          if (event.envelope.key.startsWith('WAIT-')) applied.push((event.envelope.payload as { n: string }).n);
        }
      });
    };
    // Waits of 2 s and more park the partition: the case where a rebalance or stop() meets a parked message.
    const options = { initialBackoffMs: 2000, maxBackoffMs: 2000, stuckAfterMs: 0 };
    const first = await startConsumer('waiting', handle, options);
    await writeEvent('WAIT-1', { n: 'waits' });
    await writeEvent('WAIT-1', { n: 'behind' });
    await eventually(async () => (first.stuckPartitions().length === 1 ? true : undefined), {
      message: 'first member waiting for a retry',
    });

    // A second member joins (rebalance) while the message waits, then the first leaves mid-wait: stop() does not
    // wait for the retry, and the message is redelivered to whichever member holds the partition.
    const second = await startConsumer('waiting', handle, options);
    // stop() returning at all is the check (no timing: it includes kafkajs's own fetch wait of up to 5 s).
    await first.stop();
    refused.clear();
    await eventually(async () => (applied.length === 2 ? true : undefined), { message: 'both applied' });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(applied).toEqual(['waits', 'behind']);
    expect(second.stuckPartitions()).toEqual([]);
  });
});
