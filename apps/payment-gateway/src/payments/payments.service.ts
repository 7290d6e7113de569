import { performance } from 'node:perf_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Topics, type PaymentSucceededV1, type ProviderName } from '@shop/contracts';
import { Money } from '@shop/money';
import { afterCommit, inTransaction } from '@shop/persistence';
import { type CreatePaymentResult, type ProviderClient, ProviderError } from '@shop/providers';
import { PROVIDER_CAPABILITIES } from '../providers/provider-catalog';
import { ProviderRegistry } from '../providers/provider-registry';
import type { CreatePaymentDto } from './create-payment.dto';
import type { PaymentAttemptStatus } from './payment-attempt.entity';
import { providerDeadline } from './payment-deadline';
import { MARK_NEWEST_PENDING_SUCCEEDED } from './attempt-queries';
import { PaymentError } from './payment.error';
import type { CreatedPaymentView, PaymentAttemptView, PaymentSucceededOutcome } from './payment.views';
import { PaymentMetrics } from './payment-metrics';
import { ProviderRequestLog } from './provider-request-log';

/** The inbox name (and consumer group) under which the payment-gateway records the events it applied. */
export const PAYMENT_GATEWAY_CONSUMER = 'payment-gateway';

// First key of the per-order advisory lock (the second is the order number's hash): opening an attempt and
// recording a success for the same order never interleave, so "already paid" is checked against committed truth.
const ORDER_LOCK_NAMESPACE = 0x70617931; // "pay1"

// A timeout says nothing about whether the provider opened the trade; the attempt stays PENDING until a
// notification (or, later, an active query) settles it. Every other failure means nothing was opened.
const OUTCOME_UNKNOWN = new Set<string>(['PROVIDER_TIMEOUT']);

interface AttemptRow {
  id: string;
  order_no: string;
  provider: ProviderName;
  method: PaymentAttemptView['method'];
  status: PaymentAttemptStatus;
  provider_transaction_id: string | null;
  amount: string;
  currency: string;
  created_at: Date;
  succeeded_at: Date | null;
}

/** Payment attempts: opens them at the provider, lists them, and marks them paid when the provider says so. */
@Injectable()
export class PaymentsService {
  private readonly logger = new Logger(PaymentsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly providers: ProviderRegistry,
    private readonly requestLog: ProviderRequestLog,
    private readonly metrics: PaymentMetrics,
  ) {}

  /**
   * Opens a payment: refuses what the provider cannot do, stores the attempt (PENDING) and commits it, then asks
   * the provider. A provider failure answers PROVIDER_ERROR (502) and leaves the attempt recorded: FAILED, or
   * PENDING after a timeout, whose outcome at the provider is unknown.
   */
  async createPayment(request: CreatePaymentDto): Promise<CreatedPaymentView> {
    const provider = this.providerFor(request);
    const now = new Date();
    const expiresAt =
      request.payBy === undefined
        ? undefined
        : providerDeadline(request.provider, request.orderNo, new Date(request.payBy), now);
    const paymentId = await this.openAttempt(request, expiresAt ?? null);
    const operation = `create-payment:${request.method}`;
    const started = performance.now();
    let result: CreatePaymentResult;
    try {
      result = await provider.createPayment({
        orderNo: request.orderNo,
        amount: Money.of(request.amount, request.currency),
        subject: request.subject,
        method: request.method,
        notifyUrl: this.providers.notifyUrl(request.provider),
        expiresAt,
      });
    } catch (error) {
      throw await this.providerFailed(request, paymentId, operation, performance.now() - started, error);
    }
    const durationMs = performance.now() - started;
    const reference = providerReferenceOf(result);
    const logged = {
      provider: request.provider,
      operation,
      orderNo: request.orderNo,
      paymentId,
      status: 'OK' as const,
      durationMs,
    };
    if (reference === undefined) {
      // One statement needs no transaction of its own (two round trips fewer per payment).
      await this.requestLog.record(logged);
    } else {
      await this.dataSource.transaction(async (manager) => {
        await manager.query(
          `UPDATE payment_attempts SET provider_reference = $2, updated_at = clock_timestamp() WHERE id = $1`,
          [paymentId, reference],
        );
        await this.requestLog.record(logged, manager);
      });
    }
    this.metrics.paymentStarted(request.provider);
    const base = { paymentId, provider: request.provider, method: request.method, status: 'PENDING' as const };
    switch (result.kind) {
      case 'qr':
        return { ...base, qrCode: result.qrCode };
      case 'redirect':
        return { ...base, redirectUrl: result.redirectUrl };
      case 'code-url':
        return { ...base, codeUrl: result.codeUrl };
      case 'form':
        return { ...base, form: { action: result.action, fields: result.fields } };
      case 'checkout':
        return { ...base, checkoutUrl: result.checkoutUrl };
    }
  }

  /** Every attempt for an order, oldest first; an unknown order has none. */
  async attemptsForOrder(orderNo: string): Promise<PaymentAttemptView[]> {
    const rows: AttemptRow[] = await this.dataSource.query(
      `SELECT id, order_no, provider, method, status, provider_transaction_id, amount, currency, created_at, succeeded_at
       FROM payment_attempts WHERE order_no = $1 ORDER BY created_at, id`,
      [orderNo],
    );
    return rows.map((row) => ({
      paymentId: row.id,
      provider: row.provider,
      method: row.method,
      status: row.status,
      providerTransactionId: row.provider_transaction_id,
      amount: toSafeAmount(row.amount),
      currency: row.currency,
      createdAt: row.created_at.toISOString(),
      succeededAt: row.succeeded_at?.toISOString() ?? null,
    }));
  }

  /**
   * Applies a PaymentSucceeded event, exactly once by event id: the order's most recent PENDING attempt with that
   * provider becomes SUCCEEDED. Anything else (no pending attempt, a transaction already recorded) changes nothing
   * and is logged: attempts only ever move forward. Joins the consumer's shared transaction when there is one.
   */
  async markSucceeded(eventId: string, payment: PaymentSucceededV1): Promise<PaymentSucceededOutcome> {
    const outcome = await inTransaction(this.dataSource, async (manager): Promise<PaymentSucceededOutcome> => {
      // One round trip, for a fresh event only: the inbox row, the captured money (every verified payment is
      // captured money, whether it pays the order or turns out an anomaly: refunds draw on it), then the order's
      // lock. The statements after it see whatever the lock waited for (READ COMMITTED: a snapshot each).
      const [{ fresh }]: { fresh: number }[] = await manager.query(
        `WITH inbox AS (
           INSERT INTO inbox_events (consumer, event_id, topic) VALUES ($1, $2, $3)
           ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id
         ), capture AS (
           INSERT INTO captured_payments (provider, provider_transaction_id, order_no, amount, currency, captured_at)
           SELECT $4, $5, $6, $7, $8, $9 FROM inbox ON CONFLICT DO NOTHING
         )
         SELECT count(*)::int AS fresh FROM inbox, LATERAL (SELECT pg_advisory_xact_lock($10, hashtext($6))) AS locked`,
        [
          PAYMENT_GATEWAY_CONSUMER,
          eventId,
          Topics.PaymentSucceeded,
          payment.provider,
          payment.providerTransactionId,
          payment.orderNo,
          payment.amount,
          payment.currency,
          payment.paidAt,
          ORDER_LOCK_NAMESPACE,
        ],
      );
      if (fresh === 0) return { status: 'duplicate' };
      // A second event for the same provider transaction (another event id) was already applied: not a new payment.
      const [recorded]: { id: string }[] = await manager.query(
        `SELECT id FROM payment_attempts WHERE provider = $1 AND provider_transaction_id = $2`,
        [payment.provider, payment.providerTransactionId],
      );
      if (recorded) return { status: 'already-recorded', paymentId: recorded.id };
      // TypeORM answers an UPDATE with [rows, affected count].
      const [rows] = await manager.query<[{ id: string; amount: string; currency: string }[], number]>(
        MARK_NEWEST_PENDING_SUCCEEDED,
        [payment.orderNo, payment.provider, payment.providerTransactionId, payment.paidAt],
      );
      const updated = rows[0];
      if (!updated) return { status: 'no-pending-attempt' };
      if (toSafeAmount(updated.amount) !== payment.amount || updated.currency !== payment.currency) {
        // Recorded all the same: the provider did take the money. Whether it matches the order is the
        // order-service's decision (it refunds anomalies); here it is worth a warning for reconciliation.
        afterCommit(() =>
          this.logger.warn({
            eventId,
            paymentId: updated.id,
            msg: `paid ${payment.currency} ${payment.amount} for order ${payment.orderNo} differs from the attempt's ${updated.currency} ${updated.amount}`,
          }),
        );
      }
      return { status: 'applied', paymentId: updated.id };
    });
    // Counted and logged once the outcome is durable: a batch rolled back and applied again must not count twice.
    afterCommit(() => this.reportSucceeded(eventId, payment, outcome));
    return outcome;
  }

  private reportSucceeded(eventId: string, payment: PaymentSucceededV1, outcome: PaymentSucceededOutcome): void {
    const context = { eventId, orderNo: payment.orderNo, provider: payment.provider };
    switch (outcome.status) {
      case 'applied':
        this.metrics.paymentSucceeded(payment.provider);
        this.logger.log({ ...context, paymentId: outcome.paymentId, msg: 'payment attempt succeeded' });
        break;
      case 'duplicate':
        this.logger.debug({ ...context, msg: 'PaymentSucceeded already applied; skipped' });
        break;
      case 'already-recorded':
        this.logger.log({
          ...context,
          paymentId: outcome.paymentId,
          msg: 'provider transaction already recorded on an attempt; nothing changed',
        });
        break;
      case 'no-pending-attempt':
        // E.g. the attempt succeeded already, or the buyer paid without an attempt of ours: nothing to move.
        this.logger.warn({
          ...context,
          msg: 'PaymentSucceeded without a pending attempt for that provider; nothing changed',
        });
        break;
    }
  }

  private providerFor(request: CreatePaymentDto): ProviderClient {
    const capabilities = PROVIDER_CAPABILITIES[request.provider];
    if (!capabilities.methods.includes(request.method)) {
      throw new PaymentError(
        'UNSUPPORTED_METHOD',
        `${request.provider} does not support method ${request.method}; it supports ${capabilities.methods.join(', ')}`,
        { provider: request.provider, method: request.method, supported: capabilities.methods },
      );
    }
    if (!capabilities.currencies.includes(request.currency)) {
      throw new PaymentError(
        'UNSUPPORTED_CURRENCY',
        `${request.provider} does not accept currency ${request.currency}; it accepts ${capabilities.currencies.join(', ')}`,
        { provider: request.provider, currency: request.currency },
      );
    }
    const { min, max } = capabilities.amountRange;
    if (request.amount < min || request.amount > max) {
      throw new PaymentError(
        'AMOUNT_OUT_OF_RANGE',
        `${request.provider} accepts amounts of ${min} to ${max} minor units, got ${request.amount}`,
        { provider: request.provider, amount: request.amount, min, max },
      );
    }
    const provider = this.providers.get(request.provider);
    if (!provider) {
      throw new PaymentError('PROVIDER_DISABLED', `Payment provider ${request.provider} is not enabled`, {
        provider: request.provider,
      });
    }
    return provider;
  }

  /** Inserts the PENDING attempt in its own committed transaction, refusing an order that is already paid. */
  private async openAttempt(request: CreatePaymentDto, expiresAt: Date | null): Promise<string> {
    return this.dataSource.transaction(async (manager) => {
      await lockOrder(manager, request.orderNo);
      const [paid]: { id: string; provider: string }[] = await manager.query(
        `SELECT id, provider FROM payment_attempts WHERE order_no = $1 AND status = 'SUCCEEDED' LIMIT 1`,
        [request.orderNo],
      );
      if (paid) {
        throw new PaymentError('ORDER_ALREADY_PAID', `Order ${request.orderNo} is already paid`, {
          orderNo: request.orderNo,
          paymentId: paid.id,
          provider: paid.provider,
        });
      }
      const [inserted]: { id: string }[] = await manager.query(
        `INSERT INTO payment_attempts (order_no, provider, method, status, amount, currency, subject,
           provider_expires_at)
         VALUES ($1, $2, $3, 'PENDING', $4, $5, $6, $7) RETURNING id`,
        [
          request.orderNo,
          request.provider,
          request.method,
          request.amount,
          request.currency,
          request.subject,
          expiresAt,
        ],
      );
      return inserted.id;
    });
  }

  /** Records a failed provider call (attempt and request log together) and returns the error to answer with. */
  private async providerFailed(
    request: CreatePaymentDto,
    paymentId: string,
    operation: string,
    durationMs: number,
    error: unknown,
  ): Promise<Error> {
    const providerError = error instanceof ProviderError ? error : undefined;
    const errorCode = providerError?.code ?? 'INTERNAL_ERROR';
    await this.dataSource.transaction(async (manager) => {
      if (!OUTCOME_UNKNOWN.has(errorCode)) {
        // Conditional: a notification may have marked the attempt SUCCEEDED meanwhile; that must stand.
        await manager.query(
          `UPDATE payment_attempts SET status = 'FAILED', failure_code = $2, updated_at = clock_timestamp()
           WHERE id = $1 AND status = 'PENDING'`,
          [paymentId, errorCode],
        );
      }
      await this.requestLog.record(
        {
          provider: request.provider,
          operation,
          orderNo: request.orderNo,
          paymentId,
          status: 'ERROR',
          durationMs,
          errorCode,
          // Only ProviderError messages are known to be free of key material; anything else stays in the logs.
          errorMessage: providerError?.message,
        },
        manager,
      );
    });
    if (!providerError) return error instanceof Error ? error : new Error(String(error));
    this.logger.warn({
      paymentId,
      orderNo: request.orderNo,
      errorCode,
      msg: `${request.provider} ${operation} failed`,
    });
    const subCode = providerError.details?.['subCode'];
    return new PaymentError('PROVIDER_ERROR', `${request.provider}: ${providerError.message}`, {
      provider: request.provider,
      providerCode: providerError.code,
      ...(typeof subCode === 'string' ? { providerSubCode: subCode } : {}),
      paymentId,
    });
  }
}

/**
 * What the provider needs besides the order number to find this payment again: UnionPay's txnTime (sent in the
 * signed form) and Stripe's Checkout Session id. Alipay and WeChat Pay find payments by order number alone.
 */
function providerReferenceOf(result: CreatePaymentResult): string | undefined {
  switch (result.kind) {
    case 'form':
      return result.fields['txnTime'];
    case 'checkout':
      return result.sessionId;
    case 'qr':
    case 'redirect':
    case 'code-url':
      return undefined;
  }
}

/** Serialises work on one order inside the caller's transaction (released at commit or rollback). */
async function lockOrder(manager: EntityManager, orderNo: string): Promise<void> {
  await manager.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [ORDER_LOCK_NAMESPACE, orderNo]);
}

/** Reads a bigint column (a string from the pg driver) as minor units, refusing what a JS number cannot hold. */
function toSafeAmount(value: string): number {
  const amount = Number(value);
  if (!Number.isSafeInteger(amount)) throw new Error(`amount ${value} is not a safe integer`);
  return amount;
}
