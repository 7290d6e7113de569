import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { TOPIC_PARTITIONS, Topics, type EventEnvelope } from '@shop/contracts';
import { createLogger } from '@shop/runtime';
import { eventually, testKafkaSettings } from '@shop/testing';
import { ConsumerRunner } from './consumer-runner';
import { deadLetterSummary, deadLetterTopic, readDeadLetters, replayDeadLetters } from './dead-letters';
import { createKafka, physicalName, type KafkaSettings } from './kafka-client';
import { ensureTopics } from './topic-admin';

const TOPIC = Topics.OrderPaid;
const logger = createLogger('dead-letters-test', 'silent');

// Dead letters over the real Kafka: a handler that fails until it is fixed sends its messages to the DLQ; once
// fixed, a replay sends them back, each once, and they are applied.
describe('dead letters: list, show and replay', () => {
  let settings: KafkaSettings;
  let kafka: Kafka;
  let producer: Producer;
  let runner: ConsumerRunner;
  let broken = true;
  const applied: string[] = [];

  beforeAll(async () => {
    settings = testKafkaSettings('deadletters');
    kafka = createKafka(settings);
    await ensureTopics(kafka, [physicalName(settings, TOPIC), deadLetterTopic(settings, TOPIC)], TOPIC_PARTITIONS);
    producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    runner = new ConsumerRunner(kafka, producer, settings, logger, {
      groupId: 'dead-letters-test',
      maxAttempts: 2,
      initialBackoffMs: 20,
      handlers: {
        [TOPIC]: (event) => {
          if (broken) return Promise.reject(new Error('ledger account missing'));
          applied.push(event.envelope.eventId);
          return Promise.resolve();
        },
      },
    });
    await runner.start();
  });

  afterAll(async () => {
    await runner?.stop();
    await producer?.disconnect();
  });

  function envelope(orderNo: string): EventEnvelope {
    return {
      eventId: randomUUID(),
      type: 'OrderPaid',
      version: 1,
      occurredAt: new Date().toISOString(),
      key: orderNo,
      producer: 'test',
      payload: { orderNo },
    };
  }

  it('keeps failed events with their error, replays them once after the fix, and never twice', async () => {
    const events = [envelope('ORDER00000001'), envelope('ORDER00000002')];
    await producer.send({
      topic: physicalName(settings, TOPIC),
      acks: -1,
      messages: events.map((e) => ({ key: e.key, value: JSON.stringify(e), headers: { 'x-request-id': 'r-1' } })),
    });
    const dlq = deadLetterTopic(settings, TOPIC);
    await eventually(
      async () => {
        const summary = await deadLetterSummary(kafka, settings);
        return summary.find((s) => s.topic === dlq)?.total === 2n ? summary : undefined;
      },
      { message: 'both events dead-lettered' },
    );
    expect((await deadLetterSummary(kafka, settings)).find((s) => s.topic === dlq)).toEqual({
      topic: dlq,
      total: 2n,
      pending: 2n,
    });

    const letters = await readDeadLetters(kafka, settings, dlq);
    expect(letters.map((l) => l.eventId).sort()).toEqual(events.map((e) => e.eventId).sort());
    for (const letter of letters) {
      expect(letter).toMatchObject({
        originalTopic: physicalName(settings, TOPIC),
        error: 'ledger account missing',
        attempts: '2',
        eventType: 'OrderPaid',
        replayed: false,
      });
    }
    expect(applied).toEqual([]);

    broken = false;
    const replay = await replayDeadLetters(kafka, settings, dlq);
    expect(replay.replayed.map((r) => r.eventId).sort()).toEqual(events.map((e) => e.eventId).sort());
    await eventually(async () => (applied.length === 2 ? true : undefined), { message: 'replayed events applied' });
    expect(applied.sort()).toEqual(events.map((e) => e.eventId).sort());

    // Nothing left to replay: a second run does nothing, and the dead letters show as replayed.
    expect((await replayDeadLetters(kafka, settings, dlq)).replayed).toEqual([]);
    expect((await deadLetterSummary(kafka, settings)).find((s) => s.topic === dlq)).toMatchObject({ pending: 0n });
    expect((await readDeadLetters(kafka, settings, dlq)).every((l) => l.replayed)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(applied).toHaveLength(2);
  });

  it('refuses to replay a topic that is not a dead-letter topic', async () => {
    await expect(replayDeadLetters(kafka, settings, physicalName(settings, TOPIC))).rejects.toThrow(
      /not a dead-letter topic/,
    );
  });
});
