import { type FactoryProvider, Logger } from '@nestjs/common';
import { AlipayAdapter } from '@shop/providers';
import { CallbackMetrics } from '../callbacks/callback-metrics';
import { NotificationIngestConfig } from '../notification-ingest.config';

/** Injection token of the verify-only AlipayAdapter, or null when Alipay callbacks are disabled. */
export const ALIPAY_VERIFIER = Symbol('ALIPAY_VERIFIER');

/**
 * Builds the verify-only Alipay adapter from the validated config: Alipay's public key, our app_id and seller_id.
 * No application private key: this internet-facing service only verifies, so it never holds the signing key.
 */
export const alipayVerifierProvider: FactoryProvider<AlipayAdapter | null> = {
  provide: ALIPAY_VERIFIER,
  inject: [NotificationIngestConfig, CallbackMetrics],
  useFactory: (config: NotificationIngestConfig, metrics: CallbackMetrics): AlipayAdapter | null => {
    if (config.ALIPAY_APP_ID === '') {
      new Logger('AlipayCallbacks').log(
        'Alipay callbacks disabled: ALIPAY_APP_ID is not set; POST /callbacks/alipay answers 404 PROVIDER_DISABLED',
      );
      return null;
    }
    metrics.enable('alipay');
    return new AlipayAdapter({
      appId: config.ALIPAY_APP_ID,
      sellerId: config.ALIPAY_SELLER_ID,
      alipayPublicKey: config.ALIPAY_PUBLIC_KEY,
    });
  },
};
