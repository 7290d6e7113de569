import { AlipayClientEnv, AlipayEnv } from './alipay.env';
import type { ConfigClass } from './config-class';
import { StripeClientEnv, StripeWebhookEnv } from './stripe.env';
import { UnionPayClientEnv, UnionPayEnv } from './unionpay.env';
import { WechatPayClientEnv, WechatPayEnv } from './wechatpay.env';

/**
 * Every provider's variables for a service that calls the providers (the payment-gateway): what the clients need,
 * signing keys included. Each provider is enabled by its id variable and validated only then.
 */
export function ProviderClientEnv<TBase extends ConfigClass>(Base: TBase) {
  return StripeClientEnv(UnionPayClientEnv(WechatPayClientEnv(AlipayClientEnv(Base))));
}

/**
 * Every provider's variables for a service that receives their notifications (the notification-ingest): only
 * what verifies (public keys, certificates, the APIv3 key, the webhook secret), never a signing or API key.
 */
export function ProviderNotificationEnv<TBase extends ConfigClass>(Base: TBase) {
  return StripeWebhookEnv(UnionPayEnv(WechatPayEnv(AlipayEnv(Base))));
}
