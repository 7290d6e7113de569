import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import {
  AnomalyDismissedV1,
  Topics,
  anomalyDismissedEventId,
  type PaymentAnomalyDetectedV1,
  type PaymentAnomalyType,
} from '@shop/contracts';
import { MessagingService, addToOutbox, recordInInbox } from '@shop/messaging';
import { PaymentGatewayConfig } from '../payment-gateway.config';
import type { DismissAnomalyDto, RefundAnomalyDto } from '../refunds/refund.dto';
import { RefundError } from '../refunds/refund.error';
import type { RefundView } from '../refunds/refund.views';
import { recordCapture } from '../refunds/captured-payments';
import { RefundsService } from '../refunds/refunds.service';
import { PaymentMetrics } from '../payments/payment-metrics';
import { PAYMENT_GATEWAY_CONSUMER } from '../payments/payments.service';
import type { AnomalyOutcome, AnomalyStatus, PaymentAnomalyPage, PaymentAnomalyView } from './anomaly.views';
import type { ListAnomaliesQueryDto } from './list-anomalies-query.dto';

interface AnomalyRow {
  id: string;
  type: PaymentAnomalyDetectedV1['type'];
  order_no: string;
  provider: string;
  provider_transaction_id: string;
  amount: string;
  currency: string;
  detected_at: Date;
  status: AnomalyStatus;
  refund_id: string | null;
  resolved_by: string | null;
  resolution_reason: string | null;
  resolved_at: Date | null;
  total: number;
}

/** Why an automatic refund gives the money back; shown to the admin and the customer's provider. */
const AUTO_REFUND_REASONS: Record<PaymentAnomalyType, string> = {
  AMOUNT_MISMATCH: 'paid amount did not match the order',
  ORPHAN_PAYMENT: 'payment for an unknown order',
  LATE_PAYMENT: 'payment after the order was cancelled',
  DUPLICATE_PAYMENT: 'order already paid by another payment',
};

/**
 * Keeps the payment anomalies other services detect, as the refund work list, and acts on them: refunds them
 * through the provider that took the money (automatically for ANOMALY_AUTO_REFUND types) or dismisses them.
 */
@Injectable()
export class AnomaliesService {
  private readonly logger = new Logger(AnomaliesService.name);
  private readonly autoRefund: ReadonlySet<string>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly refunds: RefundsService,
    private readonly messaging: MessagingService,
    config: PaymentGatewayConfig,
    private readonly metrics: PaymentMetrics,
  ) {
    this.autoRefund = new Set(config.ANOMALY_AUTO_REFUND.split(',').filter((t) => t !== ''));
  }

  /**
   * In one transaction: the event in the inbox (a redelivery changes nothing) and the anomaly row. The unique
   * (type, provider, provider_transaction_id) makes a re-detection under another event id a no-op as well.
   */
  async record(eventId: string, anomaly: PaymentAnomalyDetectedV1): Promise<AnomalyOutcome> {
    let autoRefundId: string | undefined;
    const outcome = await this.dataSource.transaction(async (manager): Promise<AnomalyOutcome> => {
      if (!(await recordInInbox(manager, PAYMENT_GATEWAY_CONSUMER, eventId, Topics.PaymentAnomalyDetected))) {
        return 'duplicate';
      }
      const inserted: { id: string }[] = await manager.query(
        `INSERT INTO payment_anomalies (type, order_no, provider, provider_transaction_id, amount, currency,
           detected_at, detail, event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (type, provider, provider_transaction_id) DO NOTHING RETURNING id`,
        [
          anomaly.type,
          anomaly.orderNo,
          anomaly.provider,
          anomaly.providerTransactionId,
          anomaly.amount,
          anomaly.currency,
          anomaly.detectedAt,
          anomaly.detail === undefined ? null : JSON.stringify(anomaly.detail),
          eventId,
        ],
      );
      if (inserted.length === 0) return 'already-recorded';
      this.metrics.anomalyRecorded(anomaly.type);
      // The money an anomaly stands for was captured, whether or not its PaymentSucceeded reached us (an orphan's
      // never does): recorded here too, so it can be refunded.
      await recordCapture(manager, anomaly);
      if (this.autoRefund.has(anomaly.type) && anomaly.amount > 0 && this.refunds.canRefund(anomaly.provider)) {
        try {
          autoRefundId = await this.startRefund(manager, inserted[0].id, 'system', AUTO_REFUND_REASONS[anomaly.type]);
        } catch (error) {
          // Refused before any statement failed (e.g. the payment is already refunded in part by hand): the
          // anomaly stays REFUND_REQUIRED for an admin, and the event is applied all the same.
          if (!(error instanceof RefundError)) throw error;
          this.logger.warn({
            code: error.code,
            orderNo: anomaly.orderNo,
            msg: `no automatic refund: ${error.message}`,
          });
        }
      }
      return 'recorded';
    });
    if (autoRefundId !== undefined) {
      this.refunds.countRequested(anomaly.provider);
      this.logger.log({
        refundId: autoRefundId,
        type: anomaly.type,
        orderNo: anomaly.orderNo,
        msg: 'anomaly refunded automatically',
      });
      // Sent now; should this fail or crash, the refund sweep sends the PENDING refund.
      await this.refunds.send(autoRefundId).catch((error: unknown) =>
        this.logger.warn({
          err: error,
          refundId: autoRefundId,
          msg: 'automatic refund not sent yet; the sweep retries',
        }),
      );
    }
    return outcome;
  }

  /** Refunds an anomaly in full by hand (REFUND_REQUIRED or REFUND_FAILED); answers the refund. */
  async refund(anomalyId: string, request: RefundAnomalyDto): Promise<RefundView> {
    const refundId = await this.dataSource.transaction(async (manager) => {
      if (request.requestKey !== undefined) {
        const [earlier]: { id: string }[] = await manager.query('SELECT id FROM refunds WHERE request_key = $1', [
          request.requestKey,
        ]);
        if (earlier) return earlier.id;
      }
      return this.startRefund(manager, anomalyId, request.actor, request.reason, request.requestKey);
    });
    const refund = await this.refunds.get(refundId);
    this.refunds.countRequested(refund.provider);
    await this.refunds.send(refundId);
    return this.refunds.get(refundId);
  }

  /**
   * Closes an anomaly without a refund (the admin settled it otherwise), with AnomalyDismissed in the same
   * transaction so the ledger releases the money held for it.
   */
  async dismiss(anomalyId: string, request: DismissAnomalyDto): Promise<PaymentAnomalyView> {
    await this.dataSource.transaction(async (manager) => {
      const anomaly = await this.lock(manager, anomalyId);
      if (anomaly.status !== 'REFUND_REQUIRED' && anomaly.status !== 'REFUND_FAILED') {
        throw new RefundError(
          'ANOMALY_NOT_DISMISSABLE',
          `anomaly ${anomalyId} is ${anomaly.status}; only REFUND_REQUIRED or REFUND_FAILED anomalies can be dismissed`,
          { status: anomaly.status },
        );
      }
      const now = new Date();
      await manager.query(
        `UPDATE payment_anomalies SET status = 'DISMISSED', resolved_by = $2, resolution_reason = $3, resolved_at = $4
         WHERE id = $1`,
        [anomalyId, request.actor, request.reason, now],
      );
      const payload: AnomalyDismissedV1 = {
        anomalyId,
        anomalyType: anomaly.type,
        orderNo: anomaly.order_no,
        provider: anomaly.provider,
        providerTransactionId: anomaly.provider_transaction_id,
        amount: Number(anomaly.amount),
        currency: anomaly.currency,
        reason: request.reason,
        dismissedBy: request.actor,
        dismissedAt: now.toISOString(),
      };
      await addToOutbox(manager, PAYMENT_GATEWAY_CONSUMER, {
        topic: Topics.AnomalyDismissed,
        type: AnomalyDismissedV1.type,
        version: AnomalyDismissedV1.version,
        key: anomaly.order_no,
        eventId: anomalyDismissedEventId(anomalyId),
        payload,
      });
    });
    this.messaging.nudgeRelay();
    return this.getView(anomalyId);
  }

  async getView(anomalyId: string): Promise<PaymentAnomalyView> {
    const [row]: AnomalyRow[] = await this.dataSource.query(
      'SELECT *, 1 AS total FROM payment_anomalies WHERE id = $1',
      [anomalyId],
    );
    if (!row) throw new RefundError('ANOMALY_NOT_FOUND', `anomaly ${anomalyId} not found`);
    return toView(row);
  }

  /** Stores the anomaly's full refund (PENDING) and moves the anomaly to REFUNDING, in the caller's transaction. */
  private async startRefund(
    manager: EntityManager,
    anomalyId: string,
    actor: string,
    reason: string | undefined,
    requestKey?: string,
  ): Promise<string> {
    const anomaly = await this.lock(manager, anomalyId);
    if (anomaly.status !== 'REFUND_REQUIRED' && anomaly.status !== 'REFUND_FAILED') {
      throw new RefundError(
        'ANOMALY_NOT_REFUNDABLE',
        `anomaly ${anomalyId} is ${anomaly.status}; only REFUND_REQUIRED or REFUND_FAILED anomalies can be refunded`,
        { status: anomaly.status },
      );
    }
    if (Number(anomaly.amount) <= 0) {
      throw new RefundError('ANOMALY_NOT_REFUNDABLE', `anomaly ${anomalyId} took no money; dismiss it instead`);
    }
    this.refunds.clientFor(anomaly.provider);
    await recordCapture(manager, {
      orderNo: anomaly.order_no,
      provider: anomaly.provider,
      providerTransactionId: anomaly.provider_transaction_id,
      amount: Number(anomaly.amount),
      currency: anomaly.currency,
      detectedAt: anomaly.detected_at.toISOString(),
    });
    const refundId = await this.refunds.createIn(manager, {
      kind: 'anomaly',
      orderNo: anomaly.order_no,
      provider: anomaly.provider,
      providerTransactionId: anomaly.provider_transaction_id,
      anomalyId,
      anomalyType: anomaly.type,
      amount: Number(anomaly.amount),
      currency: anomaly.currency,
      reason: reason ?? AUTO_REFUND_REASONS[anomaly.type],
      requestedBy: actor,
      requestKey,
    });
    await manager.query(`UPDATE payment_anomalies SET status = 'REFUNDING', refund_id = $2 WHERE id = $1`, [
      anomalyId,
      refundId,
    ]);
    return refundId;
  }

  private async lock(manager: EntityManager, anomalyId: string): Promise<AnomalyRow> {
    const [row]: AnomalyRow[] = await manager.query(
      'SELECT *, 1 AS total FROM payment_anomalies WHERE id = $1 FOR UPDATE',
      [anomalyId],
    );
    if (!row) throw new RefundError('ANOMALY_NOT_FOUND', `anomaly ${anomalyId} not found`);
    return row;
  }

  /** A page of anomalies, newest first, with the total matching the filters. */
  async list(query: ListAnomaliesQueryDto): Promise<PaymentAnomalyPage> {
    const { page, pageSize } = query;
    const rows: AnomalyRow[] = await this.dataSource.query(
      `SELECT id, type, order_no, provider, provider_transaction_id, amount, currency, detected_at, status,
         refund_id, resolved_by, resolution_reason, resolved_at, count(*) OVER ()::int AS total
       FROM payment_anomalies
       WHERE ($1::varchar IS NULL OR status = $1) AND ($2::varchar IS NULL OR type = $2)
       ORDER BY detected_at DESC, id DESC
       LIMIT $3 OFFSET $4`,
      [query.status ?? null, query.type ?? null, pageSize, (page - 1) * pageSize],
    );
    // A page past the end has no rows to carry the window count: ask for it separately.
    const total = rows[0]?.total ?? (page > 1 ? await this.count(query) : 0);
    return {
      items: rows.map(toView),
      page,
      pageSize,
      total,
    };
  }

  private async count(query: ListAnomaliesQueryDto): Promise<number> {
    const [{ n }]: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM payment_anomalies
       WHERE ($1::varchar IS NULL OR status = $1) AND ($2::varchar IS NULL OR type = $2)`,
      [query.status ?? null, query.type ?? null],
    );
    return n;
  }
}

function toView(row: AnomalyRow): PaymentAnomalyView {
  return {
    id: row.id,
    type: row.type,
    orderNo: row.order_no,
    provider: row.provider,
    providerTransactionId: row.provider_transaction_id,
    // Checked >= 0 and written from a contract integer: a safe integer.
    amount: Number(row.amount),
    currency: row.currency,
    detectedAt: new Date(row.detected_at).toISOString(),
    status: row.status,
    refundId: row.refund_id,
    resolvedBy: row.resolved_by,
    resolutionReason: row.resolution_reason,
    resolvedAt: row.resolved_at?.toISOString() ?? null,
  };
}
