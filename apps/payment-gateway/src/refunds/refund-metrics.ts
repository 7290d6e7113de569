import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { PROVIDER_NAMES } from '@shop/contracts';
import { MetricsRegistry } from '@shop/runtime';

/** What happens to refunds, counted: requested when stored, then SUCCEEDED or FAILED once each. */
export const REFUND_EVENTS = ['REQUESTED', 'SUCCEEDED', 'FAILED'] as const;

/** refunds_total{provider, status} on the service's registry (GET /metrics): money going out, for alerts. */
@Injectable()
export class RefundMetrics {
  private readonly refunds: Counter<'provider' | 'status'>;

  constructor(metrics: MetricsRegistry) {
    this.refunds = new Counter({
      name: 'refunds_total',
      help: 'Refunds by provider: requested, and how they ended (SUCCEEDED or FAILED)',
      labelNames: ['provider', 'status'],
      registers: [metrics.registry],
    });
    // Every series exists at 0, so rate() and alerts work before the first refund.
    for (const provider of PROVIDER_NAMES)
      for (const status of REFUND_EVENTS) this.refunds.inc({ provider, status }, 0);
  }

  count(provider: string, status: (typeof REFUND_EVENTS)[number]): void {
    this.refunds.inc({ provider, status });
  }
}
