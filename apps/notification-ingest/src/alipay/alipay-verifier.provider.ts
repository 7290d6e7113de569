import type { FactoryProvider } from '@nestjs/common';
import { AlipayNotificationVerifier } from '@shop/providers';
import { type CallbackChannel, disabledChannel, enabledChannel, formClaims } from '../callbacks/callback-channel';
import { CallbackMetrics } from '../callbacks/callback-metrics';
import { NotificationIngestConfig } from '../notification-ingest.config';

/** Injection token of Alipay's callback channel, or null when Alipay callbacks are disabled. */
export const ALIPAY_CHANNEL = Symbol('ALIPAY_CHANNEL');

/**
 * Builds Alipay's notification verifier from the validated config: Alipay's public key, our app_id and seller_id.
 * No application private key: this internet-facing service only verifies, so it never holds the signing key.
 */
export const alipayVerifierProvider: FactoryProvider<CallbackChannel | null> = {
  provide: ALIPAY_CHANNEL,
  inject: [NotificationIngestConfig, CallbackMetrics],
  useFactory: (config: NotificationIngestConfig, metrics: CallbackMetrics): CallbackChannel | null => {
    if (config.ALIPAY_APP_ID === '') return disabledChannel('alipay', 'ALIPAY_APP_ID');
    metrics.enable('alipay');
    return enabledChannel({
      provider: 'alipay',
      verifier: new AlipayNotificationVerifier({
        appId: config.ALIPAY_APP_ID,
        sellerId: config.ALIPAY_SELLER_ID,
        alipayPublicKey: config.ALIPAY_PUBLIC_KEY,
      }),
      claims: (rawBody) => formClaims(rawBody, { orderNo: 'out_trade_no', notificationKey: 'notify_id' }),
    });
  },
};
