import { Counter, type Registry } from 'prom-client';
import type { FailureKind } from './failure-classification';

/** What a consumer runner counts: retried attempts and dead letters, by logical topic and kind of failure. */
export interface ConsumerMetrics {
  retried(topic: string, failure: FailureKind): void;
  deadLettered(topic: string, failure: FailureKind): void;
}

/** Consumer counters in the service's Prometheus registry, shared by all its consumer groups. */
export function createConsumerMetrics(registry: Registry): ConsumerMetrics {
  const retries = new Counter({
    name: 'messaging_consumer_retries_total',
    help: 'Failed attempts to apply a consumed event that will be retried, by topic and kind of failure',
    labelNames: ['topic', 'failure'],
    registers: [registry],
  });
  const deadLetters = new Counter({
    name: 'messaging_dead_letters_total',
    help: 'Consumed events sent to the dead-letter topic, by topic and kind of failure',
    labelNames: ['topic', 'failure'],
    registers: [registry],
  });
  return {
    retried: (topic, failure) => retries.inc({ topic, failure }),
    deadLettered: (topic, failure) => deadLetters.inc({ topic, failure }),
  };
}
