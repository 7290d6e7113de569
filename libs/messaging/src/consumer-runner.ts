import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { Consumer, EachBatchPayload, KafkaMessage, Kafka, Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { DEAD_LETTER_SUFFIX, EventEnvelope, TOPIC_PARTITIONS } from '@shop/contracts';
import { endSpan, runInContext, SpanKind, startSpanFromHeaders } from '@shop/runtime';
import type { ConsumerMetrics } from './consumer-metrics';
import { classifyFailure } from './failure-classification';
import { physicalName, type KafkaSettings } from './kafka-client';

/** Waits up to this long are slept inside the handler's turn; longer ones park the partition (see attempt). */
const IN_PLACE_RETRY_LIMIT_MS = 1000;

/** A message as a handler sees it: a validated envelope plus where it came from. */
export interface ConsumedEvent<P extends object = Record<string, unknown>> {
  /** Logical topic name (without the deployment's prefix). */
  topic: string;
  partition: number;
  offset: string;
  envelope: EventEnvelope<P>;
}

/**
 * Applies one event. Throwing means "not applied": a transient failure (see classifyFailure) is retried until it
 * succeeds, a permanent one is dead-lettered at once, any other is retried maxAttempts times, then dead-lettered.
 */
export type EventHandler = (event: ConsumedEvent) => Promise<void>;

/** How one consumer group is wired: the logical topics it reads and the handler for each. */
export interface ConsumerRunnerOptions {
  groupId: string;
  handlers: Record<string, EventHandler>;
  /** Attempts before a message whose failure is not known to be transient goes to the dead-letter topic. */
  maxAttempts?: number;
  initialBackoffMs?: number;
  /** The longest wait between two attempts; transient failures are retried at this pace until they succeed. */
  maxBackoffMs?: number;
  /** How long a message may keep failing before the consumer reports itself stuck (readiness). Default 5 s. */
  stuckAfterMs?: number;
  /** Partitions processed in parallel (order within a partition, i.e. per order number, is kept). Default 6. */
  partitionsConsumedConcurrently?: number;
  metrics?: ConsumerMetrics;
  /**
   * Applies consecutive events of these topics in shared database transactions (see withSharedTransaction in
   * @shop/persistence): one commit for up to maxEvents events, from one partition's batch or several, instead of
   * one each.
   * Only for handlers that reach the database solely through inTransaction. A batch that fails in its shared
   * transaction is rolled back and applied again one event at a time, with the usual retries and dead letters.
   */
  sharedTransaction?: SharedTransactionOptions;
}

/** How a consumer group applies a batch of events in one transaction. */
export interface SharedTransactionOptions {
  topics: string[];
  /** Runs the work in one transaction that the handlers' units of work join, and commits it. */
  run: (work: () => Promise<void>) => Promise<void>;
  /** The most events one transaction holds (its locks are held until it commits). Default 100. */
  maxEvents?: number;
}

/** An event of a fetched batch that is ready for its handler. */
interface ParsedMessage {
  message: KafkaMessage;
  envelope: EventEnvelope;
}

/** A partition's run of events waiting for the next shared transaction, and how to tell its batch the outcome. */
interface QueuedRun {
  topic: string;
  partition: number;
  run: ParsedMessage[];
  done: (applied: boolean) => void;
}

/** A partition whose next message keeps failing, as readiness reports it. */
export interface StuckPartition {
  topic: string;
  partition: number;
  offset: string;
  failingForMs: number;
  reason: string;
}

/** The retry state of a partition's first unapplied message while it waits for its next attempt. */
interface Failing {
  offset: string;
  attempts: number;
  /** Failures not known to be transient: these alone count towards maxAttempts. */
  unknownFailures: number;
  since: number;
  reason: string;
  timer?: NodeJS.Timeout;
}

/**
 * Runs one consumer group. An offset is committed only after the handler returned, i.e. after its database
 * transaction committed. Transient failures (database down, failover, deadlock) are retried with capped backoff
 * until they succeed and are never dead-lettered; a message that cannot succeed (not a valid envelope, an unknown
 * event version, a payload breaking its contract) goes to "<topic>.dlq" at once, any other failure after
 * maxAttempts; then its offset is committed. A wait longer than a second parks the partition (paused, rewound to
 * the message), so it holds no kafkajs worker: the other partitions keep flowing, heartbeats go on, and a
 * rebalance meanwhile just redelivers the message (its offset was never committed; inboxes make a repeat harmless).
 */
export class ConsumerRunner {
  private consumer?: Consumer;
  private stopping = false;
  private readonly maxAttempts: number;
  private readonly initialBackoffMs: number;
  private readonly maxBackoffMs: number;
  private readonly stuckAfterMs: number;
  private readonly logicalByPhysical = new Map<string, string>();
  /** Keyed by "<physical topic>|<partition>": at most one failing message per partition, its first unapplied. */
  private readonly failing = new Map<string, Failing>();
  private readonly wakeOnStop = new Set<() => void>();
  /** Runs waiting for the next shared transaction, and whether one is being applied now. */
  private readonly sharedQueue: QueuedRun[] = [];
  private sharedFlushing = false;
  /** Set while a consumer that kafkajs gave up on is being replaced (readiness reports it). */
  private crashed?: { since: number; reason: string };

  constructor(
    private readonly kafka: Kafka,
    private readonly dlqProducer: Producer,
    private readonly settings: KafkaSettings,
    private readonly logger: Logger,
    private readonly options: ConsumerRunnerOptions,
  ) {
    this.maxAttempts = options.maxAttempts ?? 5;
    this.initialBackoffMs = options.initialBackoffMs ?? 200;
    this.maxBackoffMs = options.maxBackoffMs ?? 30000;
    this.stuckAfterMs = options.stuckAfterMs ?? 5000;
    for (const topic of Object.keys(options.handlers)) {
      this.logicalByPhysical.set(physicalName(settings, topic), topic);
    }
  }

  /** The consumer group's name as the handlers' owner chose it (without the deployment's prefix). */
  get groupId(): string {
    return this.options.groupId;
  }

  /** The logical topics this group reads. */
  get topics(): string[] {
    return Object.keys(this.options.handlers);
  }

  /** Joins the group and starts consuming; resolves once the group is joined. */
  async start(): Promise<void> {
    const consumer = this.kafka.consumer({
      groupId: physicalName(this.settings, this.options.groupId),
      // A member that died without leaving (SIGKILL, OOM) holds its partitions until this expires; 10 s keeps a
      // restarted service from waiting long. Waiting messages hold no worker, so heartbeats never stall.
      sessionTimeout: 10000,
      heartbeatInterval: 1000,
      allowAutoTopicCreation: false,
    });
    this.consumer = consumer;
    // kafkajs restarts a crashed consumer by itself only after errors it deems retriable; after any other crash
    // the service would consume nothing while looking healthy. Replace the consumer instead, until it joins.
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart || this.stopping || this.consumer !== consumer) return;
      this.crashed ??= { since: Date.now(), reason: payload.error.message };
      this.logger.error(
        { err: payload.error, groupId: this.options.groupId },
        'consumer crashed and kafkajs will not restart it; starting a new one',
      );
      void this.replaceCrashed(consumer);
    });
    const joined = new Promise<void>((resolve) => {
      const off = consumer.on(consumer.events.GROUP_JOIN, () => {
        off();
        resolve();
      });
    });
    // A partition that moved to another member is redelivered there from its committed offset: forget its wait.
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => this.forgetUnassigned(payload.memberAssignment));
    await consumer.connect();
    await consumer.subscribe({ topics: [...this.logicalByPhysical.keys()], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? TOPIC_PARTITIONS,
      eachBatch: (payload) => this.onBatch(payload),
    });
    await joined;
  }

  /** Starts a fresh consumer in place of a crashed one, retrying every few seconds until it has joined. */
  private async replaceCrashed(crashed: Consumer): Promise<void> {
    await crashed.disconnect().catch(() => undefined);
    for (let attempt = 1; !this.stopping; attempt++) {
      this.failing.clear();
      try {
        await this.start();
        this.crashed = undefined;
        this.logger.warn({ groupId: this.options.groupId, attempt }, 'consumer replaced after a crash');
        return;
      } catch (error) {
        this.logger.error(
          { err: error, groupId: this.options.groupId, attempt },
          'replacing the crashed consumer failed',
        );
        await this.consumer?.disconnect().catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * 2 ** attempt, 30_000)));
      }
    }
  }

  /** Finishes the message in flight, then leaves the group; a message waiting for a retry is redelivered later. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const wake of [...this.wakeOnStop]) wake();
    for (const failing of this.failing.values()) clearTimeout(failing.timer);
    this.failing.clear();
    await this.consumer?.disconnect();
  }

  /** Partitions whose next message has kept failing for longer than stuckAfterMs (empty when all flow). */
  stuckPartitions(now = Date.now()): StuckPartition[] {
    const stuck: StuckPartition[] = [];
    if (this.crashed) {
      // The whole group is down, not one partition: reported as partition -1 of every topic it reads.
      for (const topic of this.logicalByPhysical.values()) {
        stuck.push({
          topic,
          partition: -1,
          offset: '',
          failingForMs: now - this.crashed.since,
          reason: this.crashed.reason,
        });
      }
    }
    for (const [key, failing] of this.failing) {
      if (now - failing.since < this.stuckAfterMs) continue;
      const [topic, partition] = splitKey(key);
      stuck.push({
        topic: this.logicalByPhysical.get(topic) ?? topic,
        partition,
        offset: failing.offset,
        failingForMs: now - failing.since,
        reason: failing.reason,
      });
    }
    return stuck;
  }

  /**
   * Applies a fetched batch of one partition in order and commits the offset after the last applied message once
   * per batch rather than once per message: a commit is a broker round trip, and under load a batch holds tens of
   * messages. Events of a shared-transaction topic are applied in one database transaction per run of up to
   * maxEvents; any other event, and every event of a run whose shared transaction failed, is applied on its own
   * (each handler runs its own transaction). A crash before the offset commit redelivers the applied messages,
   * which the handlers' inboxes skip. A message parked for a later retry ends the batch there; the commit then
   * covers only what came before it.
   */
  private async onBatch(payload: EachBatchPayload): Promise<void> {
    const { batch } = payload;
    const { topic, partition, messages } = batch;
    let next: string | undefined;
    // Messages before this index are applied one by one: their shared transaction failed.
    let singleUntil = 0;
    try {
      for (let i = 0; i < messages.length;) {
        if (!payload.isRunning() || payload.isStale()) break;
        const run = i >= singleUntil ? this.sharedRun(topic, partition, messages, i) : [];
        if (run.length > 0) {
          if (await this.applyShared(topic, partition, run)) {
            for (const { message } of run) payload.resolveOffset(message.offset);
            next = (BigInt(run[run.length - 1].message.offset) + 1n).toString();
            i += run.length;
            await payload.heartbeat();
            continue;
          }
          singleUntil = i + run.length;
        }
        const message = messages[i];
        const done = await this.onMessage(topic, partition, message, () => payload.heartbeat());
        if (!done) break;
        next = (BigInt(message.offset) + 1n).toString();
        payload.resolveOffset(message.offset);
        i += 1;
        await payload.heartbeat(); // throttled by kafkajs to the heartbeat interval
      }
    } finally {
      // Also after a failure (the dead-letter producer unreachable): what was applied stays applied.
      if (next !== undefined) {
        await payload.commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next }] }] });
      }
    }
  }

  /**
   * The events from messages[from] on that can share one transaction: valid envelopes of the expected version on
   * a shared-transaction topic, at most maxEvents. Empty when the partition is retrying a failed message (that
   * one goes alone, with its retry state).
   */
  private sharedRun(topic: string, partition: number, messages: KafkaMessage[], from: number): ParsedMessage[] {
    const shared = this.options.sharedTransaction;
    const logical = this.logicalByPhysical.get(topic) ?? topic;
    if (!shared || !shared.topics.includes(logical) || !this.options.handlers[logical]) return [];
    if (this.failing.has(partitionKey(topic, partition))) return [];
    const run: ParsedMessage[] = [];
    const maxEvents = shared.maxEvents ?? 100;
    for (let i = from; i < messages.length && run.length < maxEvents; i++) {
      const parsed = this.parse(messages[i].value);
      if ('problem' in parsed || versionProblem(logical, parsed.envelope.version) !== undefined) break;
      run.push({ message: messages[i], envelope: parsed.envelope });
    }
    return run;
  }

  /**
   * Applies a run of events in a shared transaction; answers false (rolled back) when any event of that
   * transaction failed. Runs of other partitions that arrive while a shared transaction is being applied wait and
   * then go together in the next one (a group commit), so that at moderate load, when each partition's batch
   * holds an event or two, a commit still covers several. Each partition waits for its own run, so its order holds.
   */
  private applyShared(topic: string, partition: number, run: ParsedMessage[]): Promise<boolean> {
    return new Promise((done) => {
      this.sharedQueue.push({ topic, partition, run, done });
      if (!this.sharedFlushing) void this.flushShared();
    });
  }

  private async flushShared(): Promise<void> {
    this.sharedFlushing = true;
    try {
      const maxEvents = this.options.sharedTransaction?.maxEvents ?? 100;
      while (this.sharedQueue.length > 0) {
        // Whole runs, at least one, up to maxEvents events in all.
        let events = 0;
        let take = 0;
        while (
          take < this.sharedQueue.length &&
          (take === 0 || events + this.sharedQueue[take].run.length <= maxEvents)
        ) {
          events += this.sharedQueue[take].run.length;
          take += 1;
        }
        const group = this.sharedQueue.splice(0, take);
        const applied = await this.applyGroup(group);
        for (const queued of group) queued.done(applied);
      }
    } finally {
      this.sharedFlushing = false;
    }
  }

  private async applyGroup(group: QueuedRun[]): Promise<boolean> {
    try {
      await this.options.sharedTransaction!.run(async () => {
        for (const { topic, partition, run } of group) {
          const logical = this.logicalByPhysical.get(topic) ?? topic;
          const handler = this.options.handlers[logical];
          for (const { message, envelope } of run) {
            const event = { topic: logical, partition, offset: message.offset, envelope };
            await this.traced(topic, message, event, async () => {
              await handler(event);
              return true;
            });
          }
        }
      });
      return true;
    } catch (error) {
      this.logger.warn(
        {
          runs: group.map(({ topic, partition, run }) => ({
            topic: this.logicalByPhysical.get(topic) ?? topic,
            partition,
            fromOffset: run[0].message.offset,
            toOffset: run[run.length - 1].message.offset,
          })),
          reason: error instanceof Error ? error.message : String(error),
        },
        'a shared transaction failed and was rolled back; applying its events one at a time',
      );
      return false;
    }
  }

  /** Handles one message; answers true when it is done with (applied or dead-lettered), false when parked. */
  private async onMessage(
    topic: string,
    partition: number,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> {
    const logical = this.logicalByPhysical.get(topic) ?? topic;
    const handler = this.options.handlers[logical];
    const parsed = this.parse(message.value);
    const where = { topic: logical, partition, offset: message.offset };
    const problem = !handler
      ? `no handler for topic ${logical}`
      : 'problem' in parsed
        ? parsed.problem
        : versionProblem(logical, parsed.envelope.version);
    if (!handler || 'problem' in parsed || problem !== undefined) {
      this.logger.error({ ...where, problem }, 'unprocessable message sent to the dead-letter topic');
      await this.deadLetter(topic, partition, message, problem ?? 'unprocessable message', 0);
      this.options.metrics?.deadLettered(logical, 'permanent');
    } else {
      const envelope = parsed.envelope;
      const event = { ...where, envelope };
      const applied = await this.traced(topic, message, event, () =>
        this.attempt(handler, event, topic, message, heartbeat),
      );
      if (!applied) return false;
    }
    this.failing.delete(partitionKey(topic, partition));
    return true;
  }

  /** Runs fn in the event's trace (continued from the producer's traceparent) and correlation id, as one span. */
  private async traced(
    physicalTopic: string,
    message: KafkaMessage,
    event: ConsumedEvent,
    fn: () => Promise<boolean>,
  ): Promise<boolean> {
    const { envelope } = event;
    const { span, context } = startSpanFromHeaders(
      { traceparent: envelope.traceparent, ...(message.headers ?? {}) },
      `${event.topic} process`,
      SpanKind.CONSUMER,
      {
        'messaging.system': 'kafka',
        'messaging.operation.type': 'process',
        'messaging.destination.name': physicalTopic,
        'messaging.destination.partition.id': String(event.partition),
        'messaging.kafka.offset': Number(message.offset),
        'messaging.message.id': envelope.eventId,
      },
    );
    try {
      const applied = await runInContext(
        { correlationId: envelope.correlationId ?? envelope.eventId, trace: context },
        fn,
      );
      endSpan(span, applied ? undefined : 'parked for a later retry');
      return applied;
    } catch (error) {
      endSpan(span, error);
      throw error;
    }
  }

  /**
   * Attempts until the message is done with (applied or dead-lettered: true) or parked for a later retry (false).
   * Short waits are slept in place: a deadlock retried after 200 ms should not pay a fetch round trip (up to the
   * fetch's 5 s long poll) for each attempt. Longer ones park the partition, so a long outage holds no worker.
   */
  private async attempt(
    handler: EventHandler,
    event: ConsumedEvent,
    physicalTopic: string,
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> {
    const key = partitionKey(physicalTopic, event.partition);
    let failing = this.failing.get(key);
    if (failing?.offset !== message.offset) failing = undefined;
    for (;;) {
      try {
        await handler(event);
        if (failing) {
          this.logger.info({ ...context(event), attempts: failing.attempts + 1 }, 'event applied after retries');
        }
        return true;
      } catch (error) {
        const kind = classifyFailure(error);
        const reason = error instanceof Error ? error.message : String(error);
        failing ??= { offset: message.offset, attempts: 0, unknownFailures: 0, since: Date.now(), reason };
        failing.attempts += 1;
        failing.reason = reason;
        if (kind === 'unknown') failing.unknownFailures += 1;
        const log = { ...context(event), attempt: failing.attempts, failure: kind };
        if (kind === 'permanent' || (kind === 'unknown' && failing.unknownFailures >= this.maxAttempts)) {
          // A payload that breaks its contract will break it again; an unknown failure has had its chances.
          this.logger.error({ ...log, err: error }, 'event cannot be applied; sent to the dead-letter topic');
          await this.deadLetter(physicalTopic, event.partition, message, reason, failing.attempts);
          this.options.metrics?.deadLettered(event.topic, kind);
          return true;
        }
        this.options.metrics?.retried(event.topic, kind);
        this.failing.set(key, failing);
        const delay = Math.min(this.initialBackoffMs * 2 ** (failing.attempts - 1), this.maxBackoffMs);
        this.logger.warn({ ...log, reason, retryInMs: delay }, 'event failed; retrying');
        if (delay <= IN_PLACE_RETRY_LIMIT_MS && (await this.sleep(delay))) {
          await heartbeat();
          continue;
        }
        this.park(physicalTopic, event.partition, message.offset, failing, delay);
        return false;
      }
    }
  }

  /** Resolves true after ms, or false as soon as the runner stops. */
  private sleep(ms: number): Promise<boolean> {
    if (this.stopping) return Promise.resolve(false);
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.wakeOnStop.delete(wake);
        resolve(false);
      };
      const timer = setTimeout(() => {
        this.wakeOnStop.delete(wake);
        resolve(true);
      }, ms);
      this.wakeOnStop.add(wake);
    });
  }

  // Pausing makes kafkajs drop the rest of the fetched batch of this partition and fetch none of it; seeking back
  // makes the resumed fetch start at the failed message. Other partitions and the group session carry on. Also
  // while stopping: the partition must not move past the failed message; it stays paused and is redelivered.
  private park(topic: string, partition: number, offset: string, state: Failing, delay: number): void {
    const consumer = this.consumer;
    if (!consumer) return;
    consumer.pause([{ topic, partitions: [partition] }]);
    consumer.seek({ topic, partition, offset });
    clearTimeout(state.timer);
    if (this.stopping) return;
    state.timer = setTimeout(() => {
      state.timer = undefined;
      if (!this.stopping) consumer.resume([{ topic, partitions: [partition] }]);
    }, delay);
  }

  private forgetUnassigned(assignment: Record<string, number[]>): void {
    for (const [key, failing] of this.failing) {
      const [topic, partition] = splitKey(key);
      if (assignment[topic]?.includes(partition)) continue;
      // Still resumed when the timer fires, so the partition is not left paused should it come back to us.
      this.failing.delete(key);
      this.logger.info({ topic, partition, offset: failing.offset }, 'partition moved away while waiting for a retry');
    }
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
    message: KafkaMessage,
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

// A topic carries its contract version (orders.order-created.v1): an envelope of another version is one this
// handler was not written for, and will not become one by retrying.
function versionProblem(topic: string, version: number): string | undefined {
  const expected = /\.v(\d+)$/.exec(topic)?.[1];
  if (expected === undefined || Number(expected) === version) return undefined;
  return `unknown event version ${version} on ${topic} (expects ${expected})`;
}

function partitionKey(topic: string, partition: number): string {
  return `${topic}|${partition}`;
}

function splitKey(key: string): [string, number] {
  const at = key.lastIndexOf('|');
  return [key.slice(0, at), Number(key.slice(at + 1))];
}

function context(event: ConsumedEvent): Record<string, unknown> {
  return { topic: event.topic, partition: event.partition, offset: event.offset, eventId: event.envelope.eventId };
}
