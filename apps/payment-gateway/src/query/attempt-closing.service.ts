import { performance } from 'node:perf_hooks';
import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Topics, type OrderCancelledV1, type ProviderName } from '@shop/contracts';
import { recordInInbox } from '@shop/messaging';
import { ProviderError } from '@shop/providers';
import { ProviderRegistry } from '../providers/provider-registry';
import { PENDING_ATTEMPTS_OF_ORDER } from '../payments/attempt-queries';
import { PAYMENT_GATEWAY_CONSUMER } from '../payments/payments.service';
import { ProviderRequestLog, type ProviderRequestRecord } from '../payments/provider-request-log';

/** What closing a cancelled order's attempts did. */
export interface CloseOutcome {
  readonly status: 'duplicate' | 'applied';
  /** Attempts now CLOSED. */
  readonly closed: readonly string[];
  /** Attempts left PENDING because the provider says they were paid: the active query confirms the payment. */
  readonly paid: readonly string[];
  /** Attempts left PENDING because their provider cannot close trades (UnionPay) or is not enabled. */
  readonly unsupported: readonly string[];
}

interface PendingAttempt {
  id: string;
  provider: ProviderName;
  provider_reference: string | null;
}

/**
 * Closes the provider trades of a cancelled order, so the buyer can no longer pay what we no longer sell.
 *
 * Provider calls happen outside any transaction (a slow provider never holds a row lock or a connection); the
 * results are then written in one transaction together with the inbox row. Closing is idempotent at every
 * provider, so a redelivery after a crash between the two only repeats harmless calls.
 */
@Injectable()
export class AttemptClosingService {
  private readonly logger = new Logger(AttemptClosingService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly providers: ProviderRegistry,
    private readonly requestLog: ProviderRequestLog,
  ) {}

  /** Throws when a provider cannot be reached or refuses: the consumer retries, then dead-letters the event. */
  async closeForCancelledOrder(eventId: string, cancelled: OrderCancelledV1): Promise<CloseOutcome> {
    const seen: { n: number }[] = await this.dataSource.query(
      'SELECT 1 AS n FROM inbox_events WHERE consumer = $1 AND event_id = $2',
      [PAYMENT_GATEWAY_CONSUMER, eventId],
    );
    if (seen.length > 0) return { status: 'duplicate', closed: [], paid: [], unsupported: [] };

    const attempts: PendingAttempt[] = await this.dataSource.query(PENDING_ATTEMPTS_OF_ORDER, [cancelled.orderNo]);
    const toClose: PendingAttempt[] = [];
    const paid: string[] = [];
    const unsupported: string[] = [];
    const logs: ProviderRequestRecord[] = [];
    for (const attempt of attempts) {
      const provider = this.providers.get(attempt.provider);
      if (provider?.closePayment === undefined) {
        unsupported.push(attempt.id);
        continue;
      }
      const started = performance.now();
      const base = {
        provider: attempt.provider,
        operation: 'close-payment',
        orderNo: cancelled.orderNo,
        paymentId: attempt.id,
      };
      try {
        await provider.closePayment(cancelled.orderNo, { providerReference: attempt.provider_reference ?? undefined });
        logs.push({ ...base, status: 'OK', durationMs: performance.now() - started });
        toClose.push(attempt);
      } catch (error) {
        const providerError = error instanceof ProviderError ? error : undefined;
        const entry: ProviderRequestRecord = {
          ...base,
          status: 'ERROR',
          durationMs: performance.now() - started,
          errorCode: providerError?.code ?? 'INTERNAL_ERROR',
          errorMessage: providerError?.message,
        };
        if (providerError?.code === 'PROVIDER_TRADE_PAID') {
          // The buyer paid before the close: a late payment. The attempt stays PENDING so the active query
          // publishes its PaymentSucceeded, and the order-service records the money on the cancelled order.
          logs.push(entry);
          paid.push(attempt.id);
          continue;
        }
        // Recorded on its own (this call is about to fail), then thrown so the event is retried.
        await this.requestLog.record(entry);
        throw error;
      }
    }

    const outcome = await this.dataSource.transaction(async (manager): Promise<CloseOutcome> => {
      if (!(await recordInInbox(manager, PAYMENT_GATEWAY_CONSUMER, eventId, Topics.OrderCancelled))) {
        return { status: 'duplicate', closed: [], paid: [], unsupported: [] };
      }
      const closed: string[] = [];
      for (const attempt of toClose) {
        // Conditional: a notification may have marked it SUCCEEDED meanwhile, and that must stand.
        const [rows] = await manager.query<[{ id: string }[], number]>(
          `UPDATE payment_attempts SET status = 'CLOSED', closed_at = clock_timestamp(), updated_at = clock_timestamp()
           WHERE id = $1 AND status = 'PENDING' RETURNING id`,
          [attempt.id],
        );
        if (rows.length === 1) closed.push(attempt.id);
      }
      for (const entry of logs) await this.requestLog.record(entry, manager);
      return { status: 'applied', closed, paid, unsupported };
    });
    const context = { eventId, orderNo: cancelled.orderNo, reason: cancelled.reason };
    if (outcome.status === 'applied') {
      this.logger.log({ ...context, closed: outcome.closed, msg: 'payment attempts of a cancelled order closed' });
      if (outcome.paid.length > 0) {
        this.logger.warn({
          ...context,
          paid: outcome.paid,
          msg: 'cancelled order was paid at the provider; left for the active query',
        });
      }
      if (outcome.unsupported.length > 0) {
        this.logger.warn({
          ...context,
          attempts: outcome.unsupported,
          msg: 'provider has no close call; attempts left PENDING for the active query until final',
        });
      }
    }
    return outcome;
  }
}
