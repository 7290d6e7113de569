import type { FactoryProvider } from '@nestjs/common';
import { WechatPayNotificationVerifier, wechatpayPlatformKeys } from '@shop/providers';
import { type CallbackChannel, disabledChannel, enabledChannel, jsonIdClaims } from '../callbacks/callback-channel';
import { CallbackMetrics } from '../callbacks/callback-metrics';
import { NotificationIngestConfig } from '../notification-ingest.config';

/** Injection token of WeChat Pay's callback channel, or null when WeChat Pay callbacks are disabled. */
export const WECHATPAY_CHANNEL = Symbol('WECHATPAY_CHANNEL');

/**
 * Builds WeChat Pay's notification verifier: our appid and mchid, the APIv3 key (decrypts the resource) and the
 * keys that verify WeChat Pay's signatures, chosen per notification by Wechatpay-Serial. No merchant private key:
 * this service never calls WeChat Pay.
 */
export const wechatpayVerifierProvider: FactoryProvider<CallbackChannel | null> = {
  provide: WECHATPAY_CHANNEL,
  inject: [NotificationIngestConfig, CallbackMetrics],
  useFactory: (config: NotificationIngestConfig, metrics: CallbackMetrics): CallbackChannel | null => {
    if (config.WECHATPAY_APP_ID === '') return disabledChannel('wechatpay', 'WECHATPAY_APP_ID');
    metrics.enable('wechatpay');
    const platformKeys = wechatpayPlatformKeys(config);
    return enabledChannel(
      {
        provider: 'wechatpay',
        verifier: new WechatPayNotificationVerifier({
          appId: config.WECHATPAY_APP_ID,
          mchId: config.WECHATPAY_MCH_ID,
          apiV3Key: config.WECHATPAY_API_V3_KEY,
          platformKeys,
        }),
        claims: jsonIdClaims,
      },
      // Key ids and certificate serials are public: they say which keys an operator configured.
      { serials: Object.keys(platformKeys) },
    );
  },
};
