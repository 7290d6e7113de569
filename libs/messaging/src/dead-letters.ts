import { randomUUID } from 'node:crypto';
import type { IHeaders, Kafka, KafkaMessage } from 'kafkajs';
import { DEAD_LETTER_SUFFIX, Topics } from '@shop/contracts';
import { type KafkaSettings, physicalName } from './kafka-client';

/** The consumer group that remembers which dead letters were replayed, so each is replayed once. */
export const DEAD_LETTER_REPLAY_GROUP = 'dead-letter-replay';

const HEADER_PREFIX = 'dlq-';

/** One dead letter as the consumer runner wrote it (see ConsumerRunner.deadLetter). */
export interface DeadLetter {
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  /** The physical topic the message failed on, where a replay sends it back. */
  readonly originalTopic: string;
  readonly originalPartition: string | undefined;
  readonly originalOffset: string | undefined;
  readonly error: string;
  readonly attempts: string | undefined;
  readonly failedAt: string | undefined;
  /** From the envelope, when the value is a JSON envelope (it may be exactly what failed to parse). */
  readonly eventId: string | undefined;
  readonly eventType: string | undefined;
  /** Whether the replay group has already replayed it. */
  readonly replayed: boolean;
}

/** What a replay did. */
export interface ReplayResult {
  readonly deadLetterTopic: string;
  /** Dead letters published back to their original topic, in order. */
  readonly replayed: ReadonlyArray<Pick<DeadLetter, 'partition' | 'offset' | 'originalTopic' | 'eventId'>>;
}

/** The physical dead-letter topic of a logical topic, e.g. payments.payment-succeeded.v1 -> <prefix>.….v1.dlq. */
export function deadLetterTopic(settings: Pick<KafkaSettings, 'topicPrefix'>, logicalTopic: string): string {
  return `${physicalName(settings, logicalTopic)}${DEAD_LETTER_SUFFIX}`;
}

/**
 * The system's dead-letter topics under the settings' prefix that exist on the broker, with how many dead letters
 * each holds and how many of those the replay group has not replayed yet.
 */
export async function deadLetterSummary(
  kafka: Kafka,
  settings: Pick<KafkaSettings, 'topicPrefix'>,
): Promise<Array<{ topic: string; total: bigint; pending: bigint }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const topics = Object.values(Topics)
      .map((topic) => deadLetterTopic(settings, topic))
      .filter((topic) => existing.has(topic));
    const groupId = physicalName(settings, DEAD_LETTER_REPLAY_GROUP);
    const summary = [];
    for (const topic of topics) {
      const offsets = await admin.fetchTopicOffsets(topic);
      const committed = await committedOffsetsWith(admin, groupId, topic);
      let total = 0n;
      let pending = 0n;
      for (const { partition, low, high } of offsets) {
        total += BigInt(high) - BigInt(low);
        pending += BigInt(high) - maxBigInt(committed.get(partition) ?? 0n, BigInt(low));
      }
      summary.push({ topic, total, pending });
    }
    return summary;
  } finally {
    await admin.disconnect();
  }
}

/**
 * Reads every dead letter of a topic (without moving the replay group), oldest first per partition, marking
 * which ones were replayed already.
 */
export async function readDeadLetters(
  kafka: Kafka,
  settings: Pick<KafkaSettings, 'topicPrefix'>,
  topic: string,
  timeoutMs = 30_000,
): Promise<DeadLetter[]> {
  const replayedUpTo = await committedOffsets(kafka, physicalName(settings, DEAD_LETTER_REPLAY_GROUP), topic);
  const letters: DeadLetter[] = [];
  // A throwaway group: reading must not commit anything a replay would then skip.
  const groupId = physicalName(settings, `dead-letter-reader-${randomUUID()}`);
  await consumeUpToEnd(kafka, groupId, topic, timeoutMs, (partition, message) => {
    letters.push(describe(partition, message, BigInt(message.offset) < (replayedUpTo.get(partition) ?? 0n)));
    return Promise.resolve();
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteGroups([groupId]).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
  return letters.sort((a, b) => a.partition - b.partition || Number(BigInt(a.offset) - BigInt(b.offset)));
}

/**
 * Publishes every dead letter of `topic` (a physical *.dlq topic) that was not replayed yet back to the topic it
 * failed on, with its key, value and original headers (the dlq-* headers dropped, a dlq-replay-of header added),
 * committing each one in the replay group after it was published: a crash mid-way replays at most the message in
 * flight again, which the consumers' inboxes absorb. Dead letters that arrive while it runs wait for the next
 * replay. Safe to run again: what was replayed is not replayed twice.
 */
export async function replayDeadLetters(
  kafka: Kafka,
  settings: Pick<KafkaSettings, 'topicPrefix'>,
  topic: string,
  timeoutMs = 60_000,
): Promise<ReplayResult> {
  if (!topic.endsWith(DEAD_LETTER_SUFFIX))
    throw new Error(`${topic} is not a dead-letter topic (*${DEAD_LETTER_SUFFIX})`);
  const groupId = physicalName(settings, DEAD_LETTER_REPLAY_GROUP);
  const producer = kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const replayed: Array<Pick<DeadLetter, 'partition' | 'offset' | 'originalTopic' | 'eventId'>> = [];
  try {
    await consumeUpToEnd(kafka, groupId, topic, timeoutMs, async (partition, message, commit) => {
      const letter = describe(partition, message, false);
      if (letter.originalTopic === '') {
        throw new Error(`dead letter ${topic}/${partition}@${message.offset} has no dlq-original-topic header`);
      }
      await producer.send({
        topic: letter.originalTopic,
        acks: -1,
        messages: [
          {
            key: message.key,
            value: message.value,
            headers: {
              ...originalHeaders(message.headers),
              'dlq-replay-of': `${topic}/${partition}@${message.offset}`,
            },
          },
        ],
      });
      await commit();
      replayed.push({ partition, offset: letter.offset, originalTopic: letter.originalTopic, eventId: letter.eventId });
    });
  } finally {
    await producer.disconnect();
  }
  return { deadLetterTopic: topic, replayed };
}

type MessageHandler = (partition: number, message: KafkaMessage, commit: () => Promise<void>) => Promise<void>;

/**
 * Runs `handle` for every message of `topic` after the group's committed offset and before the end offsets taken
 * at the start, one at a time, then stops. Nothing is committed unless `handle` calls commit.
 */
async function consumeUpToEnd(
  kafka: Kafka,
  groupId: string,
  topic: string,
  timeoutMs: number,
  handle: MessageHandler,
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  let ends: Map<number, bigint>;
  let starts: Map<number, bigint>;
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    ends = new Map(offsets.map((o) => [o.partition, BigInt(o.high)]));
    const lows = new Map(offsets.map((o) => [o.partition, BigInt(o.low)]));
    const committed = await committedOffsetsWith(admin, groupId, topic);
    starts = new Map(
      offsets.map((o) => [o.partition, maxBigInt(committed.get(o.partition) ?? 0n, lows.get(o.partition) ?? 0n)]),
    );
  } finally {
    await admin.disconnect();
  }
  const pending = new Set([...ends].filter(([partition, end]) => (starts.get(partition) ?? 0n) < end).map(([p]) => p));
  if (pending.size === 0) return;

  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000 });
  await consumer.connect();
  let failure: Error | undefined;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  const timer = setTimeout(() => {
    failure = new Error(`reading ${topic} did not finish within ${timeoutMs} ms (${pending.size} partition(s) left)`);
    finish();
  }, timeoutMs);
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (failure !== undefined || !pending.has(partition)) return;
        const offset = BigInt(message.offset);
        if (offset < (starts.get(partition) ?? 0n)) return;
        if (offset >= (ends.get(partition) ?? 0n)) return;
        try {
          await handle(partition, message, () =>
            consumer.commitOffsets([{ topic, partition, offset: String(offset + 1n) }]),
          );
        } catch (error) {
          failure = error instanceof Error ? error : new Error(String(error));
          finish();
          return;
        }
        if (offset + 1n >= (ends.get(partition) ?? 0n)) {
          pending.delete(partition);
          if (pending.size === 0) finish();
        }
      },
    });
    await done;
  } finally {
    clearTimeout(timer);
    await consumer.disconnect();
  }
  if (failure !== undefined) throw failure;
}

async function committedOffsets(kafka: Kafka, groupId: string, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await committedOffsetsWith(admin, groupId, topic);
  } finally {
    await admin.disconnect();
  }
}

async function committedOffsetsWith(
  admin: ReturnType<Kafka['admin']>,
  groupId: string,
  topic: string,
): Promise<Map<number, bigint>> {
  const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
  // -1: nothing committed for that partition yet.
  return new Map(
    (entry?.partitions ?? []).filter((p) => p.offset !== '-1').map((p) => [p.partition, BigInt(p.offset)]),
  );
}

function maxBigInt(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const value = headers?.[name];
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString();
}

function originalHeaders(headers: IHeaders | undefined): IHeaders {
  return Object.fromEntries(Object.entries(headers ?? {}).filter(([name]) => !name.startsWith(HEADER_PREFIX)));
}

function describe(partition: number, message: KafkaMessage, replayed: boolean): DeadLetter {
  let eventId: string | undefined;
  let eventType: string | undefined;
  try {
    const envelope = JSON.parse(message.value?.toString('utf8') ?? '') as { eventId?: unknown; type?: unknown };
    if (typeof envelope.eventId === 'string') eventId = envelope.eventId;
    if (typeof envelope.type === 'string') eventType = envelope.type;
  } catch {
    // Not JSON: possibly the very reason it was dead-lettered.
  }
  return {
    partition,
    offset: message.offset,
    key: message.key?.toString('utf8') ?? null,
    originalTopic: header(message.headers, 'dlq-original-topic') ?? '',
    originalPartition: header(message.headers, 'dlq-original-partition'),
    originalOffset: header(message.headers, 'dlq-original-offset'),
    error: header(message.headers, 'dlq-error') ?? '',
    attempts: header(message.headers, 'dlq-attempts'),
    failedAt: header(message.headers, 'dlq-failed-at'),
    eventId,
    eventType,
    replayed,
  };
}
