import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { Consumer, EachMessagePayload, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { ContractViolationError, DEAD_LETTER_SUFFIX, EventEnvelope, TOPIC_PARTITIONS } from '@shop/contracts';
import { runInContext } from '@shop/runtime';
import { physicalName, type KafkaSettings } from './kafka-client';

/** A message as a handler sees it: a validated envelope plus where it came from. */
export interface ConsumedEvent<P extends object = Record<string, unknown>> {
  /** Logical topic name (without the deployment's prefix). */
  topic: string;
  partition: number;
  offset: string;
  envelope: EventEnvelope<P>;
}

/** Applies one event. Throwing means "not applied": it is retried, then dead-lettered. */
export type EventHandler = (event: ConsumedEvent) => Promise<void>;

/** How one consumer group is wired: the logical topics it reads and the handler for each. */
export interface ConsumerRunnerOptions {
  groupId: string;
  handlers: Record<string, EventHandler>;
  /** Attempts before a message goes to the dead-letter topic. */
  maxAttempts?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
  /** Partitions processed in parallel (order within a partition, i.e. per order number, is kept). Default 6. */
  partitionsConsumedConcurrently?: number;
}

/** Raised inside the runner when shutdown interrupts a retry: the offset stays uncommitted. */
class StoppingError extends Error {}

/**
 * Runs one consumer group. An offset is committed only after the handler returned, i.e. after its database
 * transaction committed. A failing message is retried with exponential backoff up to maxAttempts, then
 * published to "<topic>.dlq" with the error, and only then committed, so nothing is lost and nothing blocks
 * its partition forever. A message that is not a valid envelope cannot succeed and goes to the DLQ at once.
 */
export class ConsumerRunner {
  private consumer?: Consumer;
  private stopping = false;
  private readonly maxAttempts: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly logicalByPhysical = new Map<string, string>();

  constructor(
    private readonly kafka: Kafka,
    private readonly dlqProducer: Producer,
    private readonly settings: KafkaSettings,
    private readonly logger: Logger,
    private readonly options: ConsumerRunnerOptions,
  ) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.initialBackoffMs = options.initialBackoffMs ?? 200;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
    for (const topic of Object.keys(options.handlers)) {
      this.logicalByPhysical.set(physicalName(settings, topic), topic);
    }
  }

  /** Joins the group and starts consuming; resolves once the group is joined. */
  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: physicalName(this.settings, this.options.groupId),
      // A member that died without leaving (SIGKILL, OOM) holds its partitions until this expires; 10 s keeps a
      // restarted service from waiting long, and retries heartbeat between attempts so slow handlers stay in.
      sessionTimeout: 10000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve) => {
      const off = consumer.on(consumer.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.logicalByPhysical.keys()], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? TOPIC_PARTITIONS,
      eachMessage: (payload) => this.onMessage(payload),
    });
    await joined;
  }

  /** Finishes the message in flight, then leaves the group. */
  async stop(): Promise<void> {
    this.stopping = true;
    await this.consumer?.disconnect();
  }

  private async onMessage(payload: EachMessagePayload): Promise<void> {
    const { topic, partition, message } = payload;
    const heartbeat = () => payload.heartbeat();
    const logical = this.logicalByPhysical.get(topic) ?? topic;
    const handler = this.options.handlers[logical];
    const parsed = this.parse(message.value);
    const where = { topic: logical, partition, offset: message.offset };
    if (!handler || 'problem' in parsed) {
      const problem = 'problem' in parsed ? parsed.problem : `no handler for topic ${logical}`;
      this.logger.error({ ...where, problem }, 'unprocessable message sent to the dead-letter topic');
      await this.deadLetter(topic, partition, message, problem, 0);
    } else {
      const envelope = parsed.envelope;
      await runInContext({ correlationId: envelope.correlationId ?? envelope.eventId }, () =>
        this.handleWithRetries(handler, { ...where, envelope }, topic, message, heartbeat),
      );
    }
    await this.consumer?.commitOffsets([{ topic, partition, offset: (BigInt(message.offset) + 1n).toString() }]);
  }

  private async handleWithRetries(
    handler: EventHandler,
    event: ConsumedEvent,
    physicalTopic: string,
    message: EachMessagePayload['message'],
    heartbeat: () => Promise<void>,
  ): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await handler(event);
        return;
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        const context = { topic: event.topic, offset: event.offset, eventId: event.envelope.eventId, attempt };
        // A payload that breaks its contract will break it again: no point in retrying.
        if (attempt >= this.maxAttempts || error instanceof ContractViolationError) {
          this.logger.error(
            { ...context, err: error },
            'event failed after all attempts; sent to the dead-letter topic',
          );
          await this.deadLetter(physicalTopic, event.partition, message, reason, attempt);
          return;
        }
        this.logger.warn({ ...context, reason }, 'event failed; retrying');
        await this.backoff(attempt);
        await heartbeat();
      }
    }
  }

  private async backoff(attempt: number): Promise<void> {
    if (this.stopping) throw new StoppingError('consumer is stopping; the message will be redelivered');
    const delay = Math.min(this.initialBackoffMs * 2 ** (attempt - 1), this.maxBackoffMs);
    await new Promise((resolve) => setTimeout(resolve, delay));
    if (this.stopping) throw new StoppingError('consumer is stopping; the message will be redelivered');
  }

  private parse(value: Buffer | null): { envelope: EventEnvelope } | { problem: string } {
    let json: unknown;
    try {
      json = JSON.parse(value?.toString('utf8') ?? '');
    } catch {
      return { problem: 'message value is not JSON' };
    }
    const envelope = plainToInstance(EventEnvelope, json);
    const errors = validateSync(envelope);
    if (errors.length > 0) {
      return {
        problem: `invalid envelope: ${errors.map((e) => `${e.property}: ${Object.values(e.constraints ?? {}).join(', ')}`).join('; ')}`,
      };
    }
    return { envelope };
  }

  private async deadLetter(
    physicalTopic: string,
    partition: number,
    message: EachMessagePayload['message'],
    reason: string,
    attempts: number,
  ): Promise<void> {
    await this.dlqProducer.send({
      topic: `${physicalTopic}${DEAD_LETTER_SUFFIX}`,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            'dlq-error': reason.slice(0, 1000),
            'dlq-original-topic': physicalTopic,
            'dlq-original-partition': String(partition),
            'dlq-original-offset': message.offset,
            'dlq-attempts': String(attempts),
            'dlq-failed-at': new Date().toISOString(),
          },
        },
      ],
    });
  }
}
