import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { PaymentGatewayConfig } from '../payment-gateway.config';
import { RefundsService } from './refunds.service';

/** Refunds per sweep; a full batch is followed at once by the next. */
const BATCH = 20;

/**
 * Finishes what the request path could not: sends PENDING refunds that never reached their provider (a crash or
 * an outage in between) with their same provider key, and asks about refunds the provider only accepted, until
 * each is final. Driven by next_check_at in the database, so a restart loses nothing; the send lease keeps two
 * replicas (or a replica and the request path) from asking at once.
 */
@Injectable()
export class RefundSweepService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(RefundSweepService.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly refunds: RefundsService,
    private readonly config: PaymentGatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(this.config.REFUND_SWEEP_INTERVAL_MS);
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }

  /** One batch: every due refund sent or queried once. Public for tests and tools. */
  async sweepOnce(): Promise<number> {
    const due = await this.refunds.due(BATCH);
    for (const refundId of due) {
      if (this.stopping) break;
      await this.refunds.send(refundId).catch((error: unknown) => {
        this.logger.warn({ err: error, refundId, msg: 'refund sweep: could not settle a refund; retrying later' });
      });
    }
    return due.length;
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep().finally(() => (this.running = undefined));
    }, delayMs);
    this.timer.unref();
  }

  private async sweep(): Promise<void> {
    let full = false;
    try {
      full = (await this.sweepOnce()) === BATCH;
    } catch (error) {
      this.logger.error({ err: error, msg: 'refund sweep failed; retrying at the next interval' });
    }
    this.schedule(full ? 0 : this.config.REFUND_SWEEP_INTERVAL_MS);
  }
}
