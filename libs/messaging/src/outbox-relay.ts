import type { Producer } from 'kafkajs';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import type { EventEnvelope } from '@shop/contracts';
import { physicalName, type KafkaSettings } from './kafka-client';

interface PendingRow {
  id: string;
  topic: string;
  message_key: string;
  envelope: EventEnvelope;
}

/** Tuning of the relay loop. */
export interface OutboxRelayOptions {
  batchSize?: number;
  pollIntervalMs?: number;
  /**
   * How long a pass waits after a nudge, so that the commits of the next few milliseconds leave in the same
   * batch: under load a pass per commit would cost each event a database transaction and a Kafka request of its
   * own. Default 5 ms, which every event may wait once per hop.
   */
  lingerMs?: number;
}

// One relay per database publishes at a time (an advisory lock), so events of one key leave in commit order
// even with several replicas running.
const RELAY_LOCK_KEY = 7_340_112;

/**
 * Publishes committed outbox rows to Kafka, oldest first, and marks them published.
 *
 * It selects rows by "not yet published" rather than remembering the highest id it sent: ids are assigned at
 * insert time but transactions commit in any order, so a row with a lower id can become visible after a higher
 * one was published; it is still picked up on the next pass. Delivery is at least once (a crash between send
 * and update republishes the batch); consumers dedupe by event id.
 */
export class OutboxRelay {
  private running = false;
  private loop?: Promise<void>;
  private wake?: (now: boolean) => void;
  private nudged = false;
  private readonly batchSize: number;
  private readonly pollIntervalMs: number;
  private readonly lingerMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly producer: Producer,
    private readonly settings: KafkaSettings,
    private readonly logger: Logger,
    options: OutboxRelayOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 200;
    this.pollIntervalMs = options.pollIntervalMs ?? 100;
    this.lingerMs = options.lingerMs ?? 5;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  /**
   * Lets a producer that just committed skip the poll delay: the next pass starts lingerMs later (and further
   * nudges meanwhile join it). A nudge during a pass is remembered: the rows it announces may have committed
   * after that pass selected, so another pass follows after the linger.
   */
  nudge(): void {
    this.nudged = true;
    this.wake?.(false);
  }

  /** Stops after the batch in flight (if any) is published and marked. */
  async stop(): Promise<void> {
    this.running = false;
    this.wake?.(true);
    await this.loop;
  }

  /** Publishes one batch; returns how many rows it published. Exposed for tests and tooling. */
  async publishBatch(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      // Published rows stay in the partial index of unpublished ones until VACUUM; a bitmap scan visits every
      // one of them on every pass (milliseconds once a busy minute left thousands), while an index scan marks
      // them dead once and then skips them. So bitmap scans are off for this transaction, in the same round trip.
      const [{ locked }] = await manager.query<{ locked: boolean }[]>(
        `SELECT pg_try_advisory_xact_lock($1) AS locked, set_config('enable_bitmapscan', 'off', true)`,
        [RELAY_LOCK_KEY],
      );
      if (!locked) return 0;
      const rows = await manager.query<PendingRow[]>(
        `SELECT id, topic, message_key, envelope FROM outbox_events
         WHERE published_at IS NULL ORDER BY id LIMIT $1`,
        [this.batchSize],
      );
      if (rows.length === 0) return 0;
      const byTopic = new Map<string, PendingRow[]>();
      for (const row of rows) byTopic.set(row.topic, [...(byTopic.get(row.topic) ?? []), row]);
      await this.producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, topicRows]) => ({
          topic: physicalName(this.settings, topic),
          messages: topicRows.map((row) => ({
            key: row.message_key,
            value: JSON.stringify(row.envelope),
            headers: {
              'event-id': row.envelope.eventId,
              'event-type': row.envelope.type,
              ...(row.envelope.traceparent ? { traceparent: row.envelope.traceparent } : {}),
            },
          })),
        })),
      });
      await manager.query('UPDATE outbox_events SET published_at = now() WHERE id = ANY($1::bigint[])', [
        rows.map((r) => r.id),
      ]);
      return rows.length;
    });
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        this.nudged = false;
        const published = await this.publishBatch();
        failures = 0;
        if (published === this.batchSize) continue;
        await this.sleep(this.pollIntervalMs);
      } catch (error) {
        failures += 1;
        this.nudged = false; // a nudge must not cut the backoff short while the database or broker is down
        this.logger.error({ err: error, failures }, 'outbox relay failed; will retry');
        await this.sleep(Math.min(this.pollIntervalMs * 2 ** failures, 10_000));
      }
    }
  }

  /** Sleeps ms, or lingerMs from the first nudge (one during the last pass counts), or not at all once stopped. */
  private sleep(ms: number): Promise<void> {
    if (!this.running) return Promise.resolve();
    return new Promise((resolve) => {
      let lingering = this.nudged;
      let timer = setTimeout(resolve, lingering ? this.lingerMs : ms);
      this.wake = (now) => {
        if (now) {
          clearTimeout(timer);
          resolve();
        } else if (!lingering) {
          lingering = true;
          clearTimeout(timer);
          timer = setTimeout(resolve, this.lingerMs);
        }
      };
    });
  }
}
