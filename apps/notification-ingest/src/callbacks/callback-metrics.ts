import { Injectable } from '@nestjs/common';
import { Counter } from 'prom-client';
import { MetricsRegistry } from '@shop/runtime';
import { CallbackStats } from '../stats/callback-stats';
import { CALLBACK_OUTCOMES, type CallbackOutcome } from './callback-outcome';

/**
 * payment_callbacks_total{provider, outcome} on the service's registry (GET /metrics), and the same counts per
 * minute for the admin dashboard (CallbackStats).
 */
@Injectable()
export class CallbackMetrics {
  private readonly callbacks: Counter<'provider' | 'outcome'>;

  constructor(
    metrics: MetricsRegistry,
    private readonly stats: CallbackStats,
  ) {
    this.callbacks = new Counter({
      name: 'payment_callbacks_total',
      help: 'Provider payment callbacks by provider and outcome',
      labelNames: ['provider', 'outcome'],
      registers: [metrics.registry],
    });
  }

  /** Creates the provider's series at 0, so a rate() or an alert works before the first callback. */
  enable(provider: string): void {
    for (const outcome of CALLBACK_OUTCOMES) this.callbacks.inc({ provider, outcome }, 0);
  }

  count(provider: string, outcome: CallbackOutcome): void {
    this.callbacks.inc({ provider, outcome });
    this.stats.add(provider, outcome);
  }
}
