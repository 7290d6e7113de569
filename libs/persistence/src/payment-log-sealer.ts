import {
  Inject,
  Injectable,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnModuleInit,
} from '@nestjs/common';
import { Gauge } from 'prom-client';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { createLogger, MetricsRegistry, ServiceConfig, SERVICE_NAME } from '@shop/runtime';

/** Tuning of the sealing loop. */
export interface PaymentLogSealerOptions {
  /** Entries chained per statement (one transaction, one head update). */
  batchSize?: number;
  /** How long a committed entry may wait to be chained while the service runs. */
  intervalMs?: number;
}

/**
 * Chains the database's pending payment-log entries (payment-log-sealing.migration.ts) every intervalMs, in
 * batches, until none is left. Every replica runs one; the database lets one seal at a time and the others
 * return at once. Stopping seals what is pending one last time.
 */
export class PaymentLogSealer {
  private running = false;
  private loop?: Promise<void>;
  private wake?: () => void;
  private readonly batchSize: number;
  private readonly intervalMs: number;

  constructor(
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
    options: PaymentLogSealerOptions = {},
  ) {
    this.batchSize = options.batchSize ?? 1000;
    this.intervalMs = options.intervalMs ?? 200;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.wake?.();
    await this.loop;
    await this.sealPending().catch((error: unknown) =>
      this.logger.warn({ err: error }, 'payment log not sealed at shutdown; the next instance seals it'),
    );
  }

  /** Chains everything pending now; returns how many entries it chained (0 if another sealer holds the head). */
  async sealPending(): Promise<number> {
    let total = 0;
    for (;;) {
      const [{ sealed }] = await this.dataSource.query<{ sealed: number }[]>('SELECT payment_log_seal($1) AS sealed', [
        this.batchSize,
      ]);
      total += sealed;
      if (sealed < this.batchSize) return total;
    }
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (this.running) {
      try {
        await this.sealPending();
        failures = 0;
        await this.sleep(this.intervalMs);
      } catch (error) {
        failures += 1;
        this.logger.error({ err: error, failures }, 'payment log sealing failed; will retry');
        await this.sleep(Math.min(this.intervalMs * 2 ** failures, 10_000));
      }
    }
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.wake = done;
    });
  }
}

/**
 * Runs a PaymentLogSealer in every service whose database has a payment log (the function is there), and
 * reports the entries waiting to be chained as a metric.
 */
@Injectable()
export class PaymentLogSealerService implements OnModuleInit, OnApplicationBootstrap, BeforeApplicationShutdown {
  private sealer?: PaymentLogSealer;

  constructor(
    private readonly dataSource: DataSource,
    private readonly config: ServiceConfig,
    @Inject(SERVICE_NAME) private readonly service: string,
    private readonly metrics: MetricsRegistry,
  ) {}

  async onModuleInit(): Promise<void> {
    const [{ present }] = await this.dataSource.query<{ present: boolean }[]>(
      `SELECT to_regprocedure('payment_log_seal(integer)') IS NOT NULL AS present`,
    );
    if (!present) return;
    const logger = createLogger(this.service, this.config.LOG_LEVEL).child({ component: 'payment-log' });
    this.sealer = new PaymentLogSealer(this.dataSource, logger);
    const dataSource = this.dataSource;
    new Gauge({
      name: 'payment_log_unsealed_entries',
      help: 'Payment-log entries committed but not yet chained into the hash chain (stays near 0 while sealing runs)',
      registers: [this.metrics.registry],
      async collect() {
        try {
          const [row] = await dataSource.query<{ n: number }[]>('SELECT count(*)::int AS n FROM payment_log_pending');
          this.set(row?.n ?? 0);
        } catch (error) {
          logger.debug({ err: error }, 'payment log metrics not refreshed');
        }
      },
    });
  }

  onApplicationBootstrap(): void {
    this.sealer?.start();
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.sealer?.stop();
  }
}
