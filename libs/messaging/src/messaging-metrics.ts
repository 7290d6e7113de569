import type { Admin } from 'kafkajs';
import type { Logger } from 'pino';
import { Gauge, type Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { physicalName, type KafkaSettings } from './kafka-client';

/**
 * outbox_backlog_events and outbox_oldest_unpublished_age_seconds, read from the outbox table at scrape time
 * (one query on the partial index of unpublished rows). A database that does not answer leaves the last values:
 * readiness reports the database, and a scrape must never fail because of it.
 */
export function registerOutboxMetrics(registry: Registry, dataSource: DataSource, logger: Logger): void {
  const age = new Gauge({
    name: 'outbox_oldest_unpublished_age_seconds',
    help: 'Age of the oldest event written to the outbox but not yet published to Kafka (0 when none)',
    registers: [registry],
  });
  new Gauge({
    name: 'outbox_backlog_events',
    help: 'Events written to the outbox but not yet published to Kafka',
    registers: [registry],
    // Runs first (registration order does not matter: it sets both gauges from one query).
    async collect() {
      try {
        const [row] = await dataSource.query<{ backlog: number; age: number }[]>(
          `SELECT count(*)::int AS backlog,
                  COALESCE(EXTRACT(EPOCH FROM now() - min(created_at)), 0)::float8 AS age
             FROM outbox_events WHERE published_at IS NULL`,
        );
        this.set(row?.backlog ?? 0);
        age.set(Math.max(0, row?.age ?? 0));
      } catch (error) {
        logger.debug({ err: error }, 'outbox metrics not refreshed');
      }
    },
  });
}

/** The consumer groups a service runs, by logical group id and logical topics. */
export interface ConsumerGroupTopics {
  groupId: string;
  topics: string[];
}

/**
 * messaging_consumer_lag_messages{group,topic}: messages each of the service's groups has yet to consume, summed
 * over partitions (high watermark minus committed offset; a partition never committed counts from its low
 * watermark). Refreshed on an interval by the caller, never on the consuming path.
 */
export class ConsumerLagMetrics {
  private readonly lag: Gauge<'group' | 'topic'>;

  constructor(registry: Registry) {
    this.lag = new Gauge({
      name: 'messaging_consumer_lag_messages',
      help: 'Messages a consumer group has yet to consume, by group and topic',
      labelNames: ['group', 'topic'],
      registers: [registry],
    });
  }

  async refresh(admin: Admin, settings: KafkaSettings, groups: ConsumerGroupTopics[]): Promise<void> {
    for (const { groupId, topics } of groups) {
      const physicalTopics = topics.map((t) => physicalName(settings, t));
      const committed = await admin.fetchOffsets({ groupId: physicalName(settings, groupId), topics: physicalTopics });
      for (const [index, topic] of topics.entries()) {
        const ends = await admin.fetchTopicOffsets(physicalTopics[index]);
        const offsets = committed.find((c) => c.topic === physicalTopics[index])?.partitions ?? [];
        let lag = 0;
        for (const end of ends) {
          const at = Number(offsets.find((p) => p.partition === end.partition)?.offset ?? '-1');
          lag += Math.max(0, Number(end.high) - (at >= 0 ? at : Number(end.low)));
        }
        this.lag.set({ group: groupId, topic }, lag);
      }
    }
  }
}
