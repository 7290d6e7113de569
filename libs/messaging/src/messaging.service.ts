import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { Partitioners, type Admin, type Kafka, type Producer } from 'kafkajs';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { TOPIC_PARTITIONS, allTopics } from '@shop/contracts';
import { HealthRegistry, MetricsRegistry } from '@shop/runtime';
import { createConsumerMetrics, type ConsumerMetrics } from './consumer-metrics';
import { withSharedTransaction } from '@shop/persistence';
import { ConsumerRunner, type ConsumerRunnerOptions, type SharedTransactionOptions } from './consumer-runner';
import { createKafka, physicalName, type KafkaSettings } from './kafka-client';
import { ConsumerLagMetrics, registerOutboxMetrics } from './messaging-metrics';
import { OutboxRelay } from './outbox-relay';
import { ensureTopics } from './topic-admin';

// How often consumer lag is read from Kafka (a scrape every 15 s sees values at most this old).
const LAG_REFRESH_MS = 5_000;

/** Injection tokens of the messaging module. */
export const KAFKA_SETTINGS = Symbol('KAFKA_SETTINGS');
export const MESSAGING_LOGGER = Symbol('MESSAGING_LOGGER');

/**
 * A service's connection to Kafka: creates the topics, runs the outbox relay and the service's consumer groups,
 * reports Kafka and stuck consumers in readiness, and on shutdown stops consuming (finishing the message in
 * flight) before it flushes the outbox and disconnects.
 */
@Injectable()
export class MessagingService
  implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  readonly kafka: Kafka;
  private readonly producer: Producer;
  private admin?: Admin;
  private relay?: OutboxRelay;
  private readonly runners: ConsumerRunner[] = [];
  private readonly pendingConsumers: ConsumerRunnerOptions[] = [];
  private readonly consumerMetrics: ConsumerMetrics;
  private readonly lagMetrics: ConsumerLagMetrics;
  private lagTimer?: NodeJS.Timeout;
  /** The lag read in flight, awaited at shutdown so that it never outlives the service. */
  private lagRefresh?: Promise<void>;
  private lagAdmin?: Admin;

  constructor(
    @Inject(KAFKA_SETTINGS) readonly settings: KafkaSettings,
    @Inject(MESSAGING_LOGGER) private readonly logger: Logger,
    private readonly dataSource: DataSource,
    private readonly health: HealthRegistry,
    metrics: MetricsRegistry,
  ) {
    this.kafka = createKafka(settings, logger);
    this.consumerMetrics = createConsumerMetrics(metrics.registry);
    registerOutboxMetrics(metrics.registry, dataSource, logger);
    this.lagMetrics = new ConsumerLagMetrics(metrics.registry);
    // One request in flight keeps each partition's messages in outbox order across retries; duplicates that a
    // retry may still cause are absorbed by the consumers' inboxes.
    this.producer = this.kafka.producer({
      allowAutoTopicCreation: false,
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
  }

  /** Registers a consumer group; it starts once the application has bootstrapped. */
  addConsumer(options: ConsumerRunnerOptions): void {
    this.pendingConsumers.push(options);
  }

  /** Starts a consumer group now (after init) and resolves once it has joined; it stops with the service. */
  async startConsumer(options: ConsumerRunnerOptions): Promise<ConsumerRunner> {
    const runner = new ConsumerRunner(this.kafka, this.producer, this.settings, this.logger, {
      metrics: this.consumerMetrics,
      ...options,
    });
    this.runners.push(runner);
    // Consumer groups start from the event transport, after bootstrap: the lag refresh starts with the first.
    if (!this.lagTimer) {
      this.lagTimer = setInterval(() => {
        this.lagRefresh ??= this.refreshLag().finally(() => (this.lagRefresh = undefined));
      }, LAG_REFRESH_MS);
      this.lagTimer.unref();
    }
    await runner.start();
    return runner;
  }

  /** Lets a consumer group apply these topics' events in one transaction of this service's database per batch. */
  sharedTransaction(topics: string[]): SharedTransactionOptions {
    return { topics, run: (work) => withSharedTransaction(this.dataSource, work) };
  }

  /** Wakes the outbox relay right after a transaction that wrote events committed. */
  nudgeRelay(): void {
    this.relay?.nudge();
  }

  async onModuleInit(): Promise<void> {
    this.health.register({ name: 'kafka', check: () => this.checkKafka() });
    this.health.register({ name: 'consumers', check: () => this.checkConsumers() });
    await ensureTopics(
      this.kafka,
      allTopics().map((t) => physicalName(this.settings, t)),
      TOPIC_PARTITIONS,
    );
    await this.producer.connect();
  }

  async onApplicationBootstrap(): Promise<void> {
    this.relay = new OutboxRelay(this.dataSource, this.producer, this.settings, this.logger);
    this.relay.start();
    for (const options of this.pendingConsumers) await this.startConsumer(options);
  }

  // Lag is read by an admin client of its own, off the consuming path; a failed read keeps the last values.
  private async refreshLag(): Promise<void> {
    try {
      if (!this.lagAdmin) {
        this.lagAdmin = this.kafka.admin({ retry: { retries: 0 } });
        await this.lagAdmin.connect();
      }
      await this.lagMetrics.refresh(
        this.lagAdmin,
        this.settings,
        this.runners.map((r) => ({ groupId: r.groupId, topics: r.topics })),
      );
    } catch (error) {
      this.logger.debug({ err: error }, 'consumer lag not refreshed');
    }
  }

  // Consumers stop first, each finishing the message in flight; the relay stops after its batch (rows that
  // in-flight requests still write are published on the next start: nothing is lost).
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.lagTimer);
    await this.lagRefresh;
    await Promise.all(this.runners.map((r) => r.stop()));
    await this.relay?.stop();
  }

  // Last, after Nest closed HTTP and the event transport: a dead-letter publish may still need the producer.
  async onApplicationShutdown(): Promise<void> {
    await this.producer.disconnect();
    await this.admin?.disconnect();
    await this.lagAdmin?.disconnect();
  }

  // A consumer retrying a transient failure (typically its database) is alive but not doing its job; saying so
  // is what readiness is for. It clears by itself once the message applies.
  private checkConsumers(): Promise<void> {
    const stuck = this.runners.flatMap((runner) =>
      runner.stuckPartitions().map((p) => {
        const where = `${p.topic}[${p.partition}]@${p.offset}`;
        return `consumer ${runner.groupId} stuck for ${Math.round(p.failingForMs / 1000)} s on ${where}: ${p.reason}`;
      }),
    );
    return stuck.length === 0 ? Promise.resolve() : Promise.reject(new Error(stuck.join('; ')));
  }

  private async checkKafka(): Promise<void> {
    if (!this.admin) {
      this.admin = this.kafka.admin({ retry: { retries: 0 } });
      await this.admin.connect();
    }
    await this.admin.describeCluster();
  }
}
