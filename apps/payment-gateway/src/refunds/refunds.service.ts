import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager, QueryFailedError } from 'typeorm';
import {
  RefundFailedV1,
  RefundSucceededV1,
  type RefundNotifiedV1,
  Topics,
  isProviderName,
  type ProviderName,
  refundOutcomeEventId,
  type PaymentAnomalyType,
  type RefundKind,
} from '@shop/contracts';
import { MessagingService, addToOutbox, recordInInbox } from '@shop/messaging';
import { Money, parseCurrency } from '@shop/money';
import { ProviderError, type RefundCapable, type RefundResult } from '@shop/providers';
import { PAYMENT_GATEWAY_CONSUMER as PAYMENT_GATEWAY_SERVICE } from '../payments/payments.service';
import { ProviderRequestLog } from '../payments/provider-request-log';
import { ProviderRegistry } from '../providers/provider-registry';
import { RefundMetrics } from './refund-metrics';
import type { CreateRefundDto } from './refund.dto';
import { RefundError } from './refund.error';
import type { RefundStatus, RefundView } from './refund.views';

/** How long a refund being sent is left to its sender before the sweep may send it again. */
const SEND_LEASE_SECONDS = 30;
/** The sweep's pause before asking about a pending refund again: 5 s doubling up to 10 min. */
const FIRST_CHECK_SECONDS = 5;
const MAX_CHECK_SECONDS = 600;

interface RefundRow {
  id: string;
  kind: RefundKind;
  order_no: string;
  provider: string;
  provider_transaction_id: string;
  anomaly_id: string | null;
  amount: string;
  currency: string;
  status: RefundStatus;
  reason: string;
  requested_by: string;
  request_key: string | null;
  provider_refund_no: string;
  provider_refund_id: string | null;
  failure_reason: string | null;
  created_at: Date;
  sent_at: Date | null;
  completed_at: Date | null;
  checks: number;
}

interface CapturedRow {
  order_no: string;
  amount: string;
  currency: string;
  reserved_amount: string;
}

/** A new refund to store, before the provider is asked. */
export interface NewRefund {
  kind: RefundKind;
  orderNo: string;
  provider: string;
  providerTransactionId: string;
  anomalyId?: string;
  anomalyType?: PaymentAnomalyType;
  amount: number;
  currency: string;
  reason: string;
  requestedBy: string;
  requestKey?: string;
}

/**
 * Refunds: stored PENDING with the amount reserved on the captured payment (the database refuses to reserve
 * more than was captured), then sent to the provider with a key of their own, and made final by the answer, a
 * refund query or a notification, in one transaction with the RefundSucceeded or RefundFailed event. A crash at
 * any point leaves a PENDING row that the refund sweep sends again (same provider key) or queries.
 */
@Injectable()
export class RefundsService {
  private readonly logger = new Logger(RefundsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly providers: ProviderRegistry,
    private readonly requestLog: ProviderRequestLog,
    private readonly messaging: MessagingService,
    private readonly metrics: RefundMetrics,
  ) {}

  /** Refunds part of the payment that paid an order; answers the refund as the provider left it. */
  async refundOrder(request: CreateRefundDto): Promise<RefundView> {
    this.clientFor(request.provider);
    // Set once this request stored a new refund (not a replay of an earlier one with the same request key).
    let created = false;
    const refundId = await this.dataSource
      .transaction(async (manager) => {
        if (request.requestKey !== undefined) {
          const earlier = await this.findByRequestKey(manager, request.requestKey);
          if (earlier) return earlier.id;
        }
        created = true;
        return this.createIn(manager, {
          kind: 'order',
          orderNo: request.orderNo,
          provider: request.provider,
          providerTransactionId: request.providerTransactionId,
          amount: request.amount,
          currency: request.currency,
          reason: request.reason,
          requestedBy: request.actor,
          requestKey: request.requestKey,
        });
      })
      .catch(async (error: unknown) => {
        // Two requests with one key raced: the other one stored the refund.
        if (request.requestKey !== undefined && uniqueViolation(error, 'uq_refunds_request_key')) {
          created = false;
          return (await this.findByRequestKey(this.dataSource.manager, request.requestKey))!.id;
        }
        throw error;
      });
    if (created) this.metrics.count(request.provider, 'REQUESTED');
    await this.send(refundId);
    return this.get(refundId);
  }

  /** Counts a refund stored by another service's transaction (an anomaly's), once it has committed. */
  countRequested(provider: string): void {
    this.metrics.count(provider, 'REQUESTED');
  }

  /**
   * Stores a PENDING refund and reserves its amount on the captured payment, inside the caller's transaction.
   * Refuses (and so rolls the caller back) when the payment is unknown, in another currency, or would be
   * refunded past what it captured.
   */
  async createIn(manager: EntityManager, refund: NewRefund): Promise<string> {
    const [captured]: CapturedRow[] = await manager.query(
      `SELECT order_no, amount, currency, reserved_amount FROM captured_payments
       WHERE provider = $1 AND provider_transaction_id = $2 FOR UPDATE`,
      [refund.provider, refund.providerTransactionId],
    );
    if (!captured || captured.order_no !== refund.orderNo) {
      throw new RefundError(
        'ORDER_NOT_REFUNDABLE',
        `no captured ${refund.provider} payment ${refund.providerTransactionId} for order ${refund.orderNo}`,
      );
    }
    if (captured.currency !== refund.currency) {
      throw new RefundError(
        'REFUND_CURRENCY_MISMATCH',
        `the payment was in ${captured.currency}; a refund of it must be too, not ${refund.currency}`,
      );
    }
    const capturedAmount = Number(captured.amount);
    const reserved = Number(captured.reserved_amount);
    if (reserved + refund.amount > capturedAmount) throw exceeds(refund, capturedAmount, reserved);
    try {
      // The CHECK (reserved_amount <= amount) is the last word, under the row lock taken above.
      await manager.query(
        `UPDATE captured_payments SET reserved_amount = reserved_amount + $3
         WHERE provider = $1 AND provider_transaction_id = $2`,
        [refund.provider, refund.providerTransactionId, refund.amount],
      );
    } catch (error) {
      if (error instanceof QueryFailedError && (error as { code?: string }).code === '23514') {
        throw exceeds(refund, capturedAmount, reserved);
      }
      throw error;
    }
    const id = randomUUID();
    await manager.query(
      `INSERT INTO refunds (id, kind, order_no, provider, provider_transaction_id, anomaly_id, amount, currency,
         reason, requested_by, request_key, provider_refund_no)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
      [
        id,
        refund.kind,
        refund.orderNo,
        refund.provider,
        refund.providerTransactionId,
        refund.anomalyId ?? null,
        refund.amount,
        refund.currency,
        refund.reason,
        refund.requestedBy,
        refund.requestKey ?? null,
        providerRefundNo(id),
      ],
    );
    return id;
  }

  /**
   * Sends a PENDING refund to the provider, or asks where it stands when it was sent before, and applies the
   * answer. Takes a short lease first, so the request path and the sweep never ask at the same time. A provider
   * failure leaves the refund PENDING for the sweep. Returns the refund's status afterwards.
   */
  async send(refundId: string): Promise<RefundStatus> {
    // TypeORM answers an UPDATE with [rows, affected count].
    const [[leased]]: [RefundRow[], number] = await this.dataSource.query(
      `UPDATE refunds SET next_check_at = now() + make_interval(secs => $2), checks = checks + 1
       WHERE id = $1 AND status = 'PENDING' AND next_check_at <= now()
       RETURNING *`,
      [refundId, SEND_LEASE_SECONDS],
    );
    if (!leased) return (await this.get(refundId)).status;
    const client = this.clientFor(leased.provider);
    const [captured]: CapturedRow[] = await this.dataSource.query(
      'SELECT order_no, amount, currency, reserved_amount FROM captured_payments WHERE provider = $1 AND provider_transaction_id = $2',
      [leased.provider, leased.provider_transaction_id],
    );
    const request = {
      orderNo: leased.order_no,
      providerTransactionId: leased.provider_transaction_id,
      refundNo: leased.provider_refund_no,
      amount: Money.of(Number(leased.amount), parseCurrency(leased.currency)),
      paymentAmount: Money.of(Number(captured.amount), parseCurrency(captured.currency)),
      reason: leased.reason,
      notifyUrl: this.providers.notifyUrl(leased.provider as ProviderName),
      requestedAt: leased.created_at,
    };
    const started = performance.now();
    let operation = leased.sent_at === null ? 'refund' : 'refund-query';
    let result: RefundResult;
    try {
      result = leased.sent_at === null ? await client.refundPayment(request) : await client.queryRefund(request);
      // Unknown to the provider although we sent it: the request was lost on the way. Same key again.
      if (result.status === 'not-found') {
        operation = 'refund';
        result = await client.refundPayment(request);
      }
    } catch (error) {
      const code = error instanceof ProviderError ? error.code : 'INTERNAL_ERROR';
      await this.requestLog
        .record({
          provider: leased.provider,
          operation,
          orderNo: leased.order_no,
          paymentId: null,
          status: 'ERROR',
          durationMs: performance.now() - started,
          errorCode: code,
          errorMessage: error instanceof Error ? error.message : String(error),
        })
        .catch(() => undefined);
      this.logger.warn({ refundId, provider: leased.provider, code, msg: 'refund not settled; the sweep retries' });
      await this.dataSource.query(
        `UPDATE refunds SET next_check_at = now() + make_interval(secs => $2) WHERE id = $1 AND status = 'PENDING'`,
        [refundId, backoffSeconds(leased.checks)],
      );
      return 'PENDING';
    }
    await this.requestLog.record({
      provider: leased.provider,
      operation,
      orderNo: leased.order_no,
      paymentId: null,
      status: 'OK',
      durationMs: performance.now() - started,
    });
    return this.apply(refundId, result, { sent: true, nextCheckSeconds: backoffSeconds(leased.checks) });
  }

  /**
   * Applies what the provider said about a refund (its answer, a query, a notification), once: only a PENDING
   * refund changes. Final outcomes go out as RefundSucceeded or RefundFailed in the same transaction; a failure
   * gives the reserved amount back to the payment, and an anomaly follows its refund.
   */
  async apply(
    refundId: string,
    result: RefundResult,
    options: { sent: boolean; nextCheckSeconds?: number },
  ): Promise<RefundStatus> {
    // Set when this call made the refund final (a repeat of a final refund counts nothing).
    let finalNow = false;
    let provider = '';
    const status = await this.dataSource.transaction(async (manager): Promise<RefundStatus> => {
      const [refund]: RefundRow[] = await manager.query('SELECT * FROM refunds WHERE id = $1 FOR UPDATE', [refundId]);
      if (!refund) throw new RefundError('REFUND_NOT_FOUND', `refund ${refundId} not found`);
      provider = refund.provider;
      if (refund.status !== 'PENDING') return refund.status;
      if (result.status === 'pending' || result.status === 'not-found') {
        await manager.query(
          `UPDATE refunds SET sent_at = CASE WHEN $2 THEN coalesce(sent_at, now()) ELSE sent_at END,
             provider_refund_id = coalesce($3, provider_refund_id),
             next_check_at = now() + make_interval(secs => $4)
           WHERE id = $1`,
          [refundId, options.sent, result.providerRefundId ?? null, options.nextCheckSeconds ?? FIRST_CHECK_SECONDS],
        );
        return 'PENDING';
      }
      const now = new Date();
      const succeeded = result.status === 'succeeded';
      await manager.query(
        `UPDATE refunds SET status = $2, completed_at = $3, sent_at = coalesce(sent_at, $3),
           provider_refund_id = coalesce($4, provider_refund_id), failure_reason = $5
         WHERE id = $1`,
        [
          refundId,
          succeeded ? 'SUCCEEDED' : 'FAILED',
          now,
          result.providerRefundId ?? null,
          succeeded ? null : (result.failureReason ?? result.providerStatus).slice(0, 200),
        ],
      );
      if (!succeeded) {
        await manager.query(
          `UPDATE captured_payments SET reserved_amount = reserved_amount - $3
           WHERE provider = $1 AND provider_transaction_id = $2`,
          [refund.provider, refund.provider_transaction_id, refund.amount],
        );
      }
      let anomalyType: PaymentAnomalyType | undefined;
      if (refund.anomaly_id !== null) {
        const [[anomaly]]: [{ type: PaymentAnomalyType }[], number] = await manager.query(
          `UPDATE payment_anomalies SET status = $2::varchar,
             resolved_at = CASE WHEN $2::varchar = 'REFUNDED' THEN $3::timestamptz END
           WHERE id = $1 RETURNING type`,
          [refund.anomaly_id, succeeded ? 'REFUNDED' : 'REFUND_FAILED', now],
        );
        anomalyType = anomaly?.type;
      }
      const common = {
        refundId,
        kind: refund.kind,
        orderNo: refund.order_no,
        provider: refund.provider,
        providerTransactionId: refund.provider_transaction_id,
        amount: Number(refund.amount),
        currency: refund.currency,
        reason: refund.reason,
        requestedBy: refund.requested_by,
        ...(refund.anomaly_id !== null ? { anomalyId: refund.anomaly_id } : {}),
        ...(anomalyType !== undefined ? { anomalyType } : {}),
      };
      if (succeeded) {
        const payload: RefundSucceededV1 = { ...common, succeededAt: now.toISOString() };
        await addToOutbox(manager, PAYMENT_GATEWAY_SERVICE, {
          topic: Topics.RefundSucceeded,
          type: RefundSucceededV1.type,
          version: RefundSucceededV1.version,
          key: refund.order_no,
          eventId: refundOutcomeEventId(refundId, 'RefundSucceeded'),
          payload,
        });
      } else {
        const payload: RefundFailedV1 = {
          ...common,
          failureReason: (result.failureReason ?? result.providerStatus).slice(0, 200),
          failedAt: now.toISOString(),
        };
        await addToOutbox(manager, PAYMENT_GATEWAY_SERVICE, {
          topic: Topics.RefundFailed,
          type: RefundFailedV1.type,
          version: RefundFailedV1.version,
          key: refund.order_no,
          eventId: refundOutcomeEventId(refundId, 'RefundFailed'),
          payload,
        });
      }
      finalNow = true;
      return succeeded ? 'SUCCEEDED' : 'FAILED';
    });
    if (status !== 'PENDING' && finalNow) {
      this.messaging.nudgeRelay();
      this.metrics.count(provider, status);
      this.logger.log({ refundId, status, msg: 'refund final' });
    }
    return status;
  }

  /**
   * A provider notified one of our refunds: settle it now by asking the provider (send() queries a sent refund,
   * and re-sends one whose answer was lost, with the same key), rather than believe the notification. Once per
   * event id (inbox); a refund that is not ours, or already final, changes nothing. A provider that cannot be
   * reached leaves the refund to the sweep.
   */
  async settleNotified(eventId: string, notified: RefundNotifiedV1): Promise<RefundStatus | 'unknown' | 'duplicate'> {
    const refundId = await this.dataSource.transaction(async (manager) => {
      if (!(await recordInInbox(manager, PAYMENT_GATEWAY_SERVICE, eventId, Topics.RefundNotified))) return null;
      const [row]: { id: string }[] = await manager
        .query(
          `UPDATE refunds SET next_check_at = now() WHERE provider = $1 AND provider_refund_no = $2 AND status = 'PENDING'
         RETURNING id`,
          [notified.provider, notified.refundNo],
        )
        .then((answer: [{ id: string }[], number]) => answer[0]);
      if (row) return row.id;
      const [known]: { id: string }[] = await manager.query(
        'SELECT id FROM refunds WHERE provider = $1 AND provider_refund_no = $2',
        [notified.provider, notified.refundNo],
      );
      return known?.id ?? undefined;
    });
    if (refundId === null) return 'duplicate';
    if (refundId === undefined) {
      this.logger.warn({
        refundNo: notified.refundNo,
        provider: notified.provider,
        msg: 'notification of a refund that is not ours',
      });
      return 'unknown';
    }
    return this.send(refundId);
  }

  /** The refund a provider notification names by our key (provider_refund_no), if it is ours. */
  async findByRefundNo(provider: string, refundNo: string): Promise<string | undefined> {
    const [row]: { id: string }[] = await this.dataSource.query(
      'SELECT id FROM refunds WHERE provider = $1 AND provider_refund_no = $2',
      [provider, refundNo],
    );
    return row?.id;
  }

  async get(refundId: string): Promise<RefundView> {
    const [row]: RefundRow[] = await this.dataSource.query('SELECT * FROM refunds WHERE id = $1', [refundId]);
    if (!row) throw new RefundError('REFUND_NOT_FOUND', `refund ${refundId} not found`);
    return toView(row);
  }

  /** Every refund of an order (its own and its anomalies'), oldest first. */
  async listForOrder(orderNo: string): Promise<RefundView[]> {
    const rows: RefundRow[] = await this.dataSource.query(
      'SELECT * FROM refunds WHERE order_no = $1 ORDER BY created_at, id',
      [orderNo],
    );
    return rows.map(toView);
  }

  /** PENDING refunds due for a send or a query, oldest first; for the sweep. */
  async due(limit: number): Promise<string[]> {
    const rows: { id: string }[] = await this.dataSource.query(
      `SELECT id FROM refunds WHERE status = 'PENDING' AND next_check_at <= now() ORDER BY next_check_at LIMIT $1`,
      [limit],
    );
    return rows.map((r) => r.id);
  }

  private async findByRequestKey(manager: EntityManager, requestKey: string): Promise<RefundRow | undefined> {
    const [row]: RefundRow[] = await manager.query('SELECT * FROM refunds WHERE request_key = $1', [requestKey]);
    return row;
  }

  /** True when refunds through this provider are possible here (enabled, and its client refunds). */
  canRefund(provider: string): boolean {
    const client = isProviderName(provider) ? this.providers.get(provider) : undefined;
    return client?.refundPayment !== undefined && client.queryRefund !== undefined;
  }

  /** The provider's client, when it is enabled and can refund. */
  clientFor(provider: string): RefundCapable {
    const client = isProviderName(provider) ? this.providers.get(provider) : undefined;
    if (!client?.refundPayment || !client.queryRefund) {
      throw new RefundError('REFUNDS_NOT_SUPPORTED', `refunds through ${provider} are not available here`);
    }
    return {
      refundPayment: (request) => client.refundPayment!(request),
      queryRefund: (request) => client.queryRefund!(request),
    };
  }
}

/** Our key of a refund at the provider: letters and digits only, 34 long, which every provider accepts. */
export function providerRefundNo(refundId: string): string {
  return `RF${refundId.replace(/-/g, '')}`;
}

function backoffSeconds(checks: number): number {
  return Math.min(FIRST_CHECK_SECONDS * 2 ** Math.max(0, checks - 1), MAX_CHECK_SECONDS);
}

function exceeds(refund: NewRefund, captured: number, reserved: number): RefundError {
  return new RefundError(
    'REFUND_EXCEEDS_CAPTURED',
    `refunding ${refund.amount} would exceed the ${captured} captured: ${reserved} is already refunded or pending`,
    { capturedAmount: captured, refundedOrPendingAmount: reserved, refundableAmount: captured - reserved },
  );
}

function uniqueViolation(error: unknown, constraint: string): boolean {
  return (
    error instanceof QueryFailedError &&
    (error as { code?: string }).code === '23505' &&
    (error as { constraint?: string }).constraint === constraint
  );
}

function toView(row: RefundRow): RefundView {
  return {
    refundId: row.id,
    kind: row.kind,
    orderNo: row.order_no,
    provider: row.provider,
    providerTransactionId: row.provider_transaction_id,
    anomalyId: row.anomaly_id,
    amount: Number(row.amount),
    currency: row.currency,
    status: row.status,
    reason: row.reason,
    requestedBy: row.requested_by,
    failureReason: row.failure_reason,
    createdAt: row.created_at.toISOString(),
    completedAt: row.completed_at?.toISOString() ?? null,
  };
}
