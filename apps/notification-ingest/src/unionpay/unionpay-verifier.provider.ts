import type { FactoryProvider } from '@nestjs/common';
import { UnionPayNotificationVerifier } from '@shop/providers';
import { type CallbackChannel, disabledChannel, enabledChannel, formClaims } from '../callbacks/callback-channel';
import { CallbackMetrics } from '../callbacks/callback-metrics';
import { NotificationIngestConfig } from '../notification-ingest.config';

/** Injection token of UnionPay's callback channel, or null when UnionPay callbacks are disabled. */
export const UNIONPAY_CHANNEL = Symbol('UNIONPAY_CHANNEL');

/**
 * Builds UnionPay's notification verifier: our merId and UnionPay's root and middle certificates, which every
 * notification's signPubKeyCert must chain to (its CN naming 中国银联股份有限公司, the verifier's default). No
 * signing key: this service never calls UnionPay.
 */
export const unionpayVerifierProvider: FactoryProvider<CallbackChannel | null> = {
  provide: UNIONPAY_CHANNEL,
  inject: [NotificationIngestConfig, CallbackMetrics],
  useFactory: (config: NotificationIngestConfig, metrics: CallbackMetrics): CallbackChannel | null => {
    if (config.UNIONPAY_MER_ID === '') return disabledChannel('unionpay', 'UNIONPAY_MER_ID');
    metrics.enable('unionpay');
    return enabledChannel({
      provider: 'unionpay',
      verifier: new UnionPayNotificationVerifier({
        merId: config.UNIONPAY_MER_ID,
        rootCert: config.UNIONPAY_ROOT_CERT,
        middleCert: config.UNIONPAY_MIDDLE_CERT,
      }),
      claims: (rawBody) => formClaims(rawBody, { orderNo: 'orderId', notificationKey: 'queryId' }),
    });
  },
};
