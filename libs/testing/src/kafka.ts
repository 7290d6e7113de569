import type { Admin, Consumer, Producer } from 'kafkajs';
import type { EventEnvelope } from '@shop/contracts';
import type { KafkaSettings } from '@shop/messaging';
import { uniqueName } from './names';

/** The broker the global test setup made sure of. */
export function testBrokers(): string {
  return process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092';
}

/** Kafka settings with a topic prefix of their own, so a test never sees another run's messages. */
export function testKafkaSettings(label: string): KafkaSettings {
  return { brokers: testBrokers().split(','), clientId: `test-${label}`, topicPrefix: uniqueName(label) };
}

/** Resolves once the consumer has joined its group: produce only after this, or the first messages race. */
export function groupJoined(consumer: Consumer): Promise<void> {
  return new Promise((resolve) => {
    const off = consumer.on(consumer.events.GROUP_JOIN, () => {
      off();
      resolve();
    });
  });
}

/** Polls until check() returns a value other than undefined, or fails after timeoutMs with the message. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  { timeoutMs = 30000, intervalMs = 100, message = 'condition not met' } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms: ${message}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Publishes event envelopes to a physical topic the way the outbox relay does (keyed, acks from all replicas). */
export async function publishEnvelopes(producer: Producer, topic: string, envelopes: EventEnvelope[]): Promise<void> {
  await producer.send({
    topic,
    acks: -1,
    messages: envelopes.map((e) => ({ key: e.key, value: JSON.stringify(e) })),
  });
}

/**
 * Waits until a consumer group has committed every message on a topic, i.e. applied all of them: the moment to
 * check that a repeated event changed nothing.
 */
export async function waitUntilConsumed(admin: Admin, topic: string, groupId: string): Promise<void> {
  await eventually(
    async () => {
      const [ends, [group]] = await Promise.all([
        admin.fetchTopicOffsets(topic),
        admin.fetchOffsets({ groupId, topics: [topic] }),
      ]);
      const committed = new Map(group?.partitions.map((p) => [p.partition, p.offset]));
      return ends.every((end) => end.high === '0' || committed.get(end.partition) === end.high) ? true : undefined;
    },
    { message: `${groupId} consumed every message on ${topic}` },
  );
}
