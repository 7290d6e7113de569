import { Injectable, Logger, type OnApplicationBootstrap, type BeforeApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PaymentAnomalyDetectedV1, Topics, parsePayload, paymentAnomalyEventId } from '@shop/contracts';
import { MessagingService, addToOutbox } from '@shop/messaging';
import { NotificationIngestConfig } from '../notification-ingest.config';
import { KnownOrdersService } from '../orders/known-orders.service';
import { INGEST_PRODUCER } from './payment-event';
import { ReplayKeys } from './replay-keys';

/** Orphans reported per transaction: bounds the time the sweep holds row locks. */
const SWEEP_BATCH = 100;

interface UnreportedOrphan {
  id: string;
  provider: string;
  notification_key: string;
  order_no: string;
  provider_transaction_id: string;
  trade_status: string;
  amount: string;
  currency: string;
  received_at: Date;
  trace_parent: string | null;
}

/**
 * Reports payment orphans that stayed orphans as ORPHAN_PAYMENT anomalies.
 *
 * Why a sweep after a grace period, not an event when the orphan is stored: most orphans are not anomalies. A
 * callback often overtakes its order's OrderCreated (the known_orders projection lags by seconds under load),
 * and the orphan is adopted moments later (KnownOrdersService.adoptOrphans) and becomes an ordinary payment.
 * Reporting at store time would ask for refunds of real, soon-to-be-settled payments, and would need a second
 * "resolved" event to take them back. So an orphan is reported only once it is ORPHAN_GRACE_SECONDS old and
 * still an orphan; adopted ones are never reported.
 *
 * Once across replicas: every replica sweeps, but rows are claimed FOR UPDATE SKIP LOCKED and marked
 * anomaly_reported_at in the same transaction as their outbox rows, so a row is reported by exactly one sweep;
 * the deterministic event id would collapse a repeat anyway. Adoption locks the same rows (FOR UPDATE), so it
 * either runs first (the row is no longer an orphan) or waits for the report to commit.
 *
 * Known edge: an orphan adopted only AFTER it was reported (its OrderCreated arrived later than the grace) then
 * gets its PaymentSucceeded as well; adoptOrphans logs it, and anomaly_reported_at stays on the row. Whoever
 * refunds an ORPHAN_PAYMENT (a later issue) must check that the payment did not settle an order since.
 *
 * The same timer purges replay keys older than the replay window (ReplayKeys): the housekeeping of the callback
 * tables runs in one place, on every replica (a DELETE by age is idempotent).
 */
@Injectable()
export class OrphanSweep implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OrphanSweep.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly messaging: MessagingService,
    private readonly config: NotificationIngestConfig,
    private readonly replayKeys: ReplayKeys,
    private readonly knownOrders: KnownOrdersService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.tick(), this.config.ORPHAN_SWEEP_INTERVAL_SECONDS * 1000);
    // Never keeps the process alive on its own: shutdown clears it anyway.
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  /** Reports every orphan past the grace period (in batches); returns how many this call reported. */
  async sweep(): Promise<number> {
    // First adopt what can be adopted: an orphan whose order is known by now is a payment, never an anomaly.
    const adopted = await this.knownOrders.adoptLateOrphans();
    if (adopted > 0) this.logger.warn({ adopted, msg: 'orphan payments of known orders adopted by the sweep' });
    let total = 0;
    for (;;) {
      const reported = await this.reportBatch();
      total += reported;
      if (reported < SWEEP_BATCH) break;
    }
    if (total > 0) this.messaging.nudgeRelay();
    return total;
  }

  private async tick(): Promise<void> {
    // One sweep at a time per replica: a slow sweep is not overlapped by the next tick.
    if (this.running) return;
    this.running = this.housekeeping();
    try {
      await this.running;
    } finally {
      this.running = undefined;
    }
  }

  /** One tick's work; failures are logged, and the next tick retries. */
  private async housekeeping(): Promise<void> {
    try {
      const reported = await this.sweep();
      if (reported > 0) this.logger.warn({ reported, msg: 'orphan payments reported as anomalies' });
    } catch (error) {
      // Nothing was marked unless its outbox row committed with it.
      this.logger.error({ err: error, msg: 'orphan sweep failed' });
    }
    try {
      const purged = await this.replayKeys.purgeExpired();
      if (purged > 0) this.logger.debug({ purged, msg: 'expired callback replay keys purged' });
    } catch (error) {
      this.logger.error({ err: error, msg: 'replay key purge failed' });
    }
  }

  private reportBatch(): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      const orphans: UnreportedOrphan[] = await manager.query(
        `SELECT id, provider, notification_key, order_no, provider_transaction_id, trade_status, amount, currency,
           received_at, trace_parent
         FROM provider_notifications
         WHERE classification = 'orphan' AND kind = 'payment-succeeded' AND anomaly_reported_at IS NULL
           AND received_at < now() - make_interval(secs => $1)
         ORDER BY received_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
        [this.config.ORPHAN_GRACE_SECONDS, SWEEP_BATCH],
      );
      for (const orphan of orphans) {
        const payload = parsePayload(PaymentAnomalyDetectedV1, {
          type: 'ORPHAN_PAYMENT',
          orderNo: orphan.order_no,
          provider: orphan.provider,
          providerTransactionId: orphan.provider_transaction_id,
          // A bigint of minor units from a verified notification: a safe integer.
          amount: Number(orphan.amount),
          currency: orphan.currency,
          detectedAt: new Date().toISOString(),
          detail: {
            notificationId: orphan.id,
            notificationKey: orphan.notification_key,
            tradeStatus: orphan.trade_status,
            receivedAt: new Date(orphan.received_at).toISOString(),
          },
        });
        await addToOutbox(manager, INGEST_PRODUCER, {
          topic: Topics.PaymentAnomalyDetected,
          type: PaymentAnomalyDetectedV1.type,
          version: PaymentAnomalyDetectedV1.version,
          key: orphan.order_no,
          eventId: paymentAnomalyEventId(payload),
          payload,
          // The anomaly belongs to the callback's trace, not to the sweep's.
          traceparent: orphan.trace_parent,
        });
        await manager.query(`UPDATE provider_notifications SET anomaly_reported_at = now() WHERE id = $1`, [orphan.id]);
      }
      return orphans.length;
    });
  }
}
