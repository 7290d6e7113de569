import { Logger } from '@nestjs/common';
import {
  AlipayClient,
  type ProviderClient,
  StripeClient,
  UnionPayClient,
  WechatPayClient,
  wechatpayPlatformKeys,
} from '@shop/providers';
import type { PaymentGatewayConfig } from '../payment-gateway.config';
import { PROVIDER_NAMES, type ProviderName } from '@shop/contracts';

/** Test seams for the clients; production uses the defaults. */
export interface ProviderRegistryOptions {
  readonly now?: () => Date;
}

/**
 * The enabled payment providers by name, built once at start from the validated config: the one place that
 * decides which providers run.
 */
export class ProviderRegistry {
  constructor(
    private readonly providers: ReadonlyMap<ProviderName, ProviderClient>,
    private readonly callbackBaseUrl: string,
  ) {}

  /** The client of an enabled provider, or undefined when it is disabled (not configured). */
  get(name: ProviderName): ProviderClient | undefined {
    return this.providers.get(name);
  }

  /** The enabled provider names, in catalog order. */
  enabled(): ProviderName[] {
    return PROVIDER_NAMES.filter((name) => this.providers.has(name));
  }

  /** Where the provider posts its notifications: notification-ingest's public callback route. */
  notifyUrl(name: ProviderName): string {
    return `${this.callbackBaseUrl}/callbacks/${name}`;
  }
}

/**
 * Builds the registry from the config, logging one line per provider so an operator sees at start which ones
 * run. Keys were already validated by the config schema; the clients parse them once more into KeyObjects.
 */
export function createProviderRegistry(
  config: PaymentGatewayConfig,
  options: ProviderRegistryOptions = {},
  logger = new Logger('ProviderRegistry'),
): ProviderRegistry {
  const providers = new Map<ProviderName, ProviderClient>();
  if (config.ALIPAY_APP_ID !== '') {
    providers.set(
      'alipay',
      new AlipayClient(
        {
          appId: config.ALIPAY_APP_ID,
          privateKey: config.ALIPAY_PRIVATE_KEY,
          alipayPublicKey: config.ALIPAY_PUBLIC_KEY,
          gatewayUrl: config.ALIPAY_GATEWAY_URL,
        },
        { now: options.now, timeoutMs: config.ALIPAY_TIMEOUT_MS },
      ),
    );
  }
  if (config.WECHATPAY_APP_ID !== '') {
    providers.set(
      'wechatpay',
      new WechatPayClient(
        {
          appId: config.WECHATPAY_APP_ID,
          mchId: config.WECHATPAY_MCH_ID,
          privateKey: config.WECHATPAY_PRIVATE_KEY,
          certSerial: config.WECHATPAY_CERT_SERIAL,
          platformKeys: wechatpayPlatformKeys(config),
          baseUrl: config.WECHATPAY_BASE_URL,
        },
        { now: options.now, timeoutMs: config.PROVIDER_TIMEOUT_MS },
      ),
    );
  }
  if (config.UNIONPAY_MER_ID !== '') {
    providers.set(
      'unionpay',
      new UnionPayClient({
        merId: config.UNIONPAY_MER_ID,
        signPrivateKey: config.UNIONPAY_SIGN_PRIVATE_KEY,
        signCertId: config.UNIONPAY_SIGN_CERT_ID,
        rootCert: config.UNIONPAY_ROOT_CERT,
        middleCert: config.UNIONPAY_MIDDLE_CERT,
        gatewayUrl: config.UNIONPAY_GATEWAY_URL,
        now: options.now,
        timeoutMs: config.PROVIDER_TIMEOUT_MS,
      }),
    );
  }
  if (config.STRIPE_SECRET_KEY !== '') {
    providers.set(
      'stripe',
      // Webhooks go to notification-ingest. Queries and closes name the Checkout Session stored with the attempt
      // (provider_reference), as Stripe cannot find a session by order number.
      new StripeClient({
        secretKey: config.STRIPE_SECRET_KEY,
        apiBaseUrl: config.STRIPE_API_BASE_URL,
        now: options.now,
        timeoutMs: config.PROVIDER_TIMEOUT_MS,
      }),
    );
  }
  for (const name of PROVIDER_NAMES) {
    if (providers.has(name)) logger.log(`payment provider ${name} enabled`);
    else logger.log(`payment provider ${name} disabled: not configured; payments with it answer PROVIDER_DISABLED`);
  }
  return new ProviderRegistry(providers, config.CALLBACK_BASE_URL);
}
