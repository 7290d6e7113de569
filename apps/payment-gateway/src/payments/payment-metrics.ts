import { Injectable, Logger } from '@nestjs/common';
import { Counter, Gauge, Histogram } from 'prom-client';
import { DataSource } from 'typeorm';
import { PAYMENT_ANOMALY_TYPES, PROVIDER_NAMES } from '@shop/contracts';
import { MetricsRegistry } from '@shop/runtime';
import { PaymentGatewayConfig } from '../payment-gateway.config';

/** The operations of provider_request_* metrics, from the operation names of the provider_request_log. */
export type ProviderOperation = 'pay' | 'query' | 'close' | 'refund' | 'refund_query';
const OPERATIONS: readonly ProviderOperation[] = ['pay', 'query', 'close', 'refund', 'refund_query'];

/** How a failed provider call failed, from its error code (libs/providers ProviderErrorCode). */
export type ProviderErrorKind = 'timeout' | 'network' | 'http' | 'rejected' | 'invalid_response';

export function operationOf(logged: string): ProviderOperation | undefined {
  if (logged.startsWith('create-payment')) return 'pay';
  if (logged === 'query-payment') return 'query';
  if (logged === 'close-payment') return 'close';
  if (logged === 'refund') return 'refund';
  if (logged === 'refund-query') return 'refund_query';
  return undefined;
}

export function errorKindOf(code: string | undefined): ProviderErrorKind {
  switch (code) {
    case 'PROVIDER_TIMEOUT':
      return 'timeout';
    case 'PROVIDER_UNAVAILABLE':
      return 'network';
    case 'PROVIDER_ANSWER_INVALID':
    case 'PROVIDER_ANSWER_SIGNATURE_INVALID':
      return 'invalid_response';
    case 'PROVIDER_REJECTED':
    case 'PROVIDER_TRADE_PAID':
    case 'PROVIDER_REQUEST_INVALID':
    case 'PROVIDER_METHOD_UNSUPPORTED':
      return 'rejected';
    case undefined:
    default:
      return 'http';
  }
}

/**
 * The payment-gateway's business metrics: provider calls (latency and errors by provider and operation), payments
 * started and succeeded (the success rate), anomalies by type, and attempts stuck pending (read at scrape time).
 */
@Injectable()
export class PaymentMetrics {
  private readonly logger = new Logger(PaymentMetrics.name);
  private readonly duration: Histogram<'provider' | 'operation' | 'outcome'>;
  private readonly errors: Counter<'provider' | 'operation' | 'kind'>;
  private readonly started: Counter<'provider'>;
  private readonly succeeded: Counter<'provider'>;
  private readonly anomalies: Counter<'type'>;

  constructor(metrics: MetricsRegistry, dataSource: DataSource, config: PaymentGatewayConfig) {
    const registers = [metrics.registry];
    this.duration = new Histogram({
      name: 'provider_request_duration_seconds',
      help: 'Calls to payment providers by provider, operation and outcome (ok or error)',
      labelNames: ['provider', 'operation', 'outcome'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    });
    this.errors = new Counter({
      name: 'provider_request_errors_total',
      help: 'Failed calls to payment providers by provider, operation and kind of failure',
      labelNames: ['provider', 'operation', 'kind'],
      registers,
    });
    this.started = new Counter({
      name: 'payments_started_total',
      help: 'Payments opened at a provider (QR code, page, form or checkout handed to the customer)',
      labelNames: ['provider'],
      registers,
    });
    this.succeeded = new Counter({
      name: 'payments_succeeded_total',
      help: 'Payment attempts that succeeded (a verified PaymentSucceeded applied)',
      labelNames: ['provider'],
      registers,
    });
    this.anomalies = new Counter({
      name: 'payment_anomalies_total',
      help: 'Payment anomalies recorded, by type',
      labelNames: ['type'],
      registers,
    });
    // Every known series at 0, so rate() and alerts work before the first event.
    for (const provider of PROVIDER_NAMES) {
      this.started.inc({ provider }, 0);
      this.succeeded.inc({ provider }, 0);
      for (const operation of OPERATIONS) this.duration.zero({ provider, operation, outcome: 'ok' });
    }
    for (const type of PAYMENT_ANOMALY_TYPES) this.anomalies.inc({ type }, 0);

    const stuckAfterSeconds = Math.round(config.PAYMENT_STUCK_AFTER_MS / 1000);
    const logger = this.logger;
    new Gauge({
      name: 'payments_pending_stuck',
      help: 'Payment attempts still pending longer than PAYMENT_STUCK_AFTER_MS after they were opened',
      registers,
      async collect() {
        try {
          const [row] = await dataSource.query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM payment_attempts
              WHERE status = 'PENDING' AND created_at < now() - make_interval(secs => $1)`,
            [stuckAfterSeconds],
          );
          this.set(row?.n ?? 0);
        } catch (error) {
          // Readiness reports the database; a scrape keeps the last value.
          logger.debug({ err: error, msg: 'payments_pending_stuck not refreshed' });
        }
      },
    });
  }

  providerCall(provider: string, logged: string, ok: boolean, durationMs: number, errorCode?: string): void {
    const operation = operationOf(logged);
    if (!operation) return;
    this.duration.observe({ provider, operation, outcome: ok ? 'ok' : 'error' }, Math.max(0, durationMs) / 1000);
    if (!ok) this.errors.inc({ provider, operation, kind: errorKindOf(errorCode) });
  }

  paymentStarted(provider: string): void {
    this.started.inc({ provider });
  }

  paymentSucceeded(provider: string): void {
    this.succeeded.inc({ provider });
  }

  anomalyRecorded(type: string): void {
    this.anomalies.inc({ type });
  }
}
