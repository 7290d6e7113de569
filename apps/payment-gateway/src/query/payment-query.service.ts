import { performance } from 'node:perf_hooks';
import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PaymentSucceededV1, Topics, parsePayload, paymentSucceededEventId, type ProviderName } from '@shop/contracts';
import { MessagingService, addToOutbox } from '@shop/messaging';
import { type PaymentQueryResult, ProviderError } from '@shop/providers';
import { PaymentGatewayConfig } from '../payment-gateway.config';
import { ProviderRegistry } from '../providers/provider-registry';
import { PAYMENT_GATEWAY_CONSUMER } from '../payments/payments.service';
import { ProviderRequestLog } from '../payments/provider-request-log';

/** Attempts claimed per sweep. */
export const QUERY_BATCH_SIZE = 50;
const MAX_BACKOFF_SECONDS = 3600;
// A provider may still settle a payment in the last second of its lifetime; "not found" counts as final after this.
const EXPIRED_NOT_FOUND_MARGIN_MS = 60_000;

/** An attempt claimed for one query. */
export interface ClaimedAttempt {
  id: string;
  order_no: string;
  provider: ProviderName;
  provider_reference: string | null;
  query_attempts: number;
  provider_expires_at: Date | null;
}

/** What one query of one attempt led to. */
export type QueryOutcome = 'paid-published' | 'closed' | 'pending' | 'not-found' | 'failed' | 'error' | 'unsupported';

/**
 * The active query: notifications get lost, so PENDING attempts older than PAYMENT_QUERY_AFTER_SECONDS are asked
 * about at their provider, with exponential backoff, a bounded number of times. Driven by the database
 * (next_query_at), so it survives restarts and replicas share it without asking one provider twice at once.
 *
 * A paid answer is turned into the very PaymentSucceeded event a callback would produce (same deterministic id),
 * so a callback and a query of one payment are one effect downstream; the attempt itself is marked SUCCEEDED when
 * that event comes back, exactly as for a callback.
 */
@Injectable()
export class PaymentQueryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(PaymentQueryService.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly providers: ProviderRegistry,
    private readonly requestLog: ProviderRequestLog,
    private readonly messaging: MessagingService,
    private readonly config: PaymentGatewayConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(this.config.QUERY_SWEEP_INTERVAL_MS);
  }

  // Before the DataSource closes: the sweep in flight finishes (claims are committed first, so an interrupted
  // query only means the attempt is asked again at its next_query_at).
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }

  /** One sweep: claim due attempts, query each, apply each answer. Public for tests and tools. */
  async sweepOnce(): Promise<Map<string, QueryOutcome>> {
    const outcomes = new Map<string, QueryOutcome>();
    for (const attempt of await this.claim()) {
      if (this.stopping) break;
      try {
        outcomes.set(attempt.id, await this.queryOne(attempt));
      } catch (error) {
        // One attempt's failure (e.g. its transaction) must not starve the rest; it is retried at next_query_at.
        this.logger.error({ paymentId: attempt.id, err: error, msg: 'applying a payment query failed' });
        outcomes.set(attempt.id, 'error');
      }
    }
    return outcomes;
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.running = this.sweepOnce()
        .then((outcomes) => outcomes.size === QUERY_BATCH_SIZE)
        .catch((error: unknown) => {
          this.logger.error({ err: error, msg: 'payment query sweep failed; retrying at the next interval' });
          return false;
        })
        .then((full) => {
          this.running = undefined;
          this.schedule(full ? 0 : this.config.QUERY_SWEEP_INTERVAL_MS);
        });
    }, delayMs);
    this.timer.unref();
  }

  /**
   * Claims due attempts by moving their next_query_at forward (exponential backoff) in a short transaction with
   * FOR UPDATE SKIP LOCKED: another replica skips them now and, after the commit, does not select them until
   * then. The provider is called after the commit, holding no lock.
   */
  private async claim(): Promise<ClaimedAttempt[]> {
    const [rows] = await this.dataSource.query<[ClaimedAttempt[], number]>(
      `WITH due AS (
         SELECT id FROM payment_attempts
         WHERE status = 'PENDING'
           AND created_at < now() - make_interval(secs => $1)
           AND (next_query_at IS NULL OR next_query_at <= now())
           AND query_attempts < $2
         ORDER BY coalesce(next_query_at, created_at), id
         LIMIT $3 FOR UPDATE SKIP LOCKED
       )
       UPDATE payment_attempts a
       SET query_attempts = a.query_attempts + 1,
           next_query_at = now() + make_interval(secs => least($4 * power(2, a.query_attempts), $5)),
           updated_at = clock_timestamp()
       FROM due WHERE a.id = due.id
       RETURNING a.id, a.order_no, a.provider, a.provider_reference, a.query_attempts, a.provider_expires_at`,
      [
        this.config.PAYMENT_QUERY_AFTER_SECONDS,
        this.config.PAYMENT_QUERY_MAX_ATTEMPTS,
        QUERY_BATCH_SIZE,
        this.config.PAYMENT_QUERY_BACKOFF_SECONDS,
        MAX_BACKOFF_SECONDS,
      ],
    );
    return rows;
  }

  private async queryOne(attempt: ClaimedAttempt): Promise<QueryOutcome> {
    const provider = this.providers.get(attempt.provider);
    if (provider === undefined) return 'unsupported';
    const started = performance.now();
    const base = {
      provider: attempt.provider,
      operation: 'query-payment',
      orderNo: attempt.order_no,
      paymentId: attempt.id,
    };
    let result: PaymentQueryResult;
    try {
      result = await provider.queryPayment(attempt.order_no, {
        providerReference: attempt.provider_reference ?? undefined,
      });
    } catch (error) {
      // Asked again at next_query_at; the failure is kept for reconciliation.
      const providerError = error instanceof ProviderError ? error : undefined;
      await this.requestLog.record({
        ...base,
        status: 'ERROR',
        durationMs: performance.now() - started,
        errorCode: providerError?.code ?? 'INTERNAL_ERROR',
        errorMessage: providerError?.message,
      });
      this.logger.warn({ paymentId: attempt.id, orderNo: attempt.order_no, err: error, msg: 'payment query failed' });
      return 'error';
    }
    const durationMs = performance.now() - started;
    // Past the provider's deadline (plus a margin for its last second), a payment it never created can no longer
    // be made: "not found" is then as final as "closed". This is how a UnionPay consume, which has no close call,
    // ends.
    const expiresAt = attempt.provider_expires_at;
    if (
      result.status === 'not-found' &&
      expiresAt !== null &&
      new Date(expiresAt).getTime() + EXPIRED_NOT_FOUND_MARGIN_MS < Date.now()
    ) {
      result = { status: 'closed', providerStatus: result.providerStatus };
    }
    const outcome = await this.dataSource.transaction(async (manager): Promise<QueryOutcome> => {
      await this.requestLog.record({ ...base, status: 'OK', durationMs }, manager);
      switch (result.status) {
        case 'paid': {
          if (!result.providerTransactionId || !result.amount) {
            throw new Error(`${attempt.provider} query answered paid without transaction id or amount`);
          }
          // Stripe's Checkout Session carries no payment time: the moment we learned of it is the honest bound
          // (the callback path falls back the same way, to the notification's arrival).
          const paidAt = result.paidAt ?? new Date();
          const payload = parsePayload(PaymentSucceededV1, {
            orderNo: attempt.order_no,
            provider: attempt.provider,
            providerTransactionId: result.providerTransactionId,
            amount: result.amount.amount,
            currency: result.amount.currency,
            paidAt: paidAt.toISOString(),
          });
          // The callback's id: if notification-ingest already published this payment, consumers' inboxes
          // drop this copy; if not, this is the one that counts. A repeat query collapses in our outbox.
          await addToOutbox(manager, PAYMENT_GATEWAY_CONSUMER, {
            topic: Topics.PaymentSucceeded,
            type: PaymentSucceededV1.type,
            version: PaymentSucceededV1.version,
            key: attempt.order_no,
            eventId: paymentSucceededEventId(attempt.provider, result.providerTransactionId),
            payload,
          });
          return 'paid-published';
        }
        case 'closed':
        case 'failed': {
          const status = result.status === 'closed' ? 'CLOSED' : 'FAILED';
          // Conditional: a success recorded meanwhile must stand.
          await manager.query(
            `UPDATE payment_attempts
             SET status = $2::varchar, closed_at = CASE WHEN $2::varchar = 'CLOSED' THEN clock_timestamp() END,
                 failure_code = CASE WHEN $2::varchar = 'FAILED' THEN $3::varchar END, updated_at = clock_timestamp()
             WHERE id = $1 AND status = 'PENDING'`,
            [attempt.id, status, `PROVIDER_${result.providerStatus}`.slice(0, 64)],
          );
          return result.status;
        }
        case 'not-found':
        case 'pending':
          // Asked again at next_query_at until PAYMENT_QUERY_MAX_ATTEMPTS; a notification can still settle it.
          return result.status;
      }
    });
    if (outcome === 'paid-published') this.messaging.nudgeRelay();
    const context = { paymentId: attempt.id, orderNo: attempt.order_no, queries: attempt.query_attempts, outcome };
    if (outcome === 'paid-published') this.logger.log({ ...context, msg: 'active query found a payment' });
    else this.logger.debug({ ...context, msg: 'payment queried' });
    if (
      (outcome === 'pending' || outcome === 'not-found') &&
      attempt.query_attempts >= this.config.PAYMENT_QUERY_MAX_ATTEMPTS
    ) {
      this.logger.warn({ ...context, msg: 'payment still unsettled after the last query; no more queries' });
    }
    return outcome;
  }
}
