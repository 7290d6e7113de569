import type { FactoryProvider } from '@nestjs/common';
import { StripeNotificationVerifier } from '@shop/providers';
import { type CallbackChannel, disabledChannel, enabledChannel, jsonIdClaims } from '../callbacks/callback-channel';
import { CallbackMetrics } from '../callbacks/callback-metrics';
import { NotificationIngestConfig } from '../notification-ingest.config';

/** Injection token of Stripe's callback channel, or null when Stripe webhooks are disabled. */
export const STRIPE_CHANNEL = Symbol('STRIPE_CHANNEL');

/**
 * Builds Stripe's notification verifier from the webhook endpoint's signing secret (timestamp tolerance 300 s,
 * Stripe's default). No API key: this service never calls Stripe.
 */
export const stripeVerifierProvider: FactoryProvider<CallbackChannel | null> = {
  provide: STRIPE_CHANNEL,
  inject: [NotificationIngestConfig, CallbackMetrics],
  useFactory: (config: NotificationIngestConfig, metrics: CallbackMetrics): CallbackChannel | null => {
    if (config.STRIPE_WEBHOOK_SECRET === '') return disabledChannel('stripe', 'STRIPE_WEBHOOK_SECRET');
    metrics.enable('stripe');
    return enabledChannel({
      provider: 'stripe',
      verifier: new StripeNotificationVerifier({ webhookSecret: config.STRIPE_WEBHOOK_SECRET }),
      claims: jsonIdClaims,
    });
  },
};
