import { Logger } from '@nestjs/common';
import { AlipayAdapter, type PaymentProvider } from '@shop/providers';
import type { PaymentGatewayConfig } from '../payment-gateway.config';
import { PROVIDER_NAMES, type ProviderName } from './provider-catalog';

/** Test seams for the adapters; production uses the defaults. */
export interface ProviderRegistryOptions {
  readonly now?: () => Date;
}

/**
 * The enabled payment providers by name, built once at start from the validated config. The one place that
 * decides which providers run: WeChat Pay, UnionPay and Stripe each add one branch to createProviderRegistry.
 */
export class ProviderRegistry {
  constructor(
    private readonly providers: ReadonlyMap<ProviderName, PaymentProvider>,
    private readonly callbackBaseUrl: string,
  ) {}

  /** The adapter of an enabled provider, or undefined when it is disabled (not configured). */
  get(name: ProviderName): PaymentProvider | undefined {
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
 * run. Keys were already validated by the config schema; the adapters parse them once more into KeyObjects.
 */
export function createProviderRegistry(
  config: PaymentGatewayConfig,
  options: ProviderRegistryOptions = {},
  logger = new Logger('ProviderRegistry'),
): ProviderRegistry {
  const providers = new Map<ProviderName, PaymentProvider>();
  if (config.ALIPAY_APP_ID !== '') {
    providers.set(
      'alipay',
      new AlipayAdapter(
        {
          appId: config.ALIPAY_APP_ID,
          sellerId: config.ALIPAY_SELLER_ID,
          privateKey: config.ALIPAY_PRIVATE_KEY,
          alipayPublicKey: config.ALIPAY_PUBLIC_KEY,
          gatewayUrl: config.ALIPAY_GATEWAY_URL,
        },
        { now: options.now, timeoutMs: config.ALIPAY_TIMEOUT_MS },
      ),
    );
  }
  for (const name of PROVIDER_NAMES) {
    if (providers.has(name)) logger.log(`payment provider ${name} enabled`);
    else logger.log(`payment provider ${name} disabled: not configured; payments with it answer PROVIDER_DISABLED`);
  }
  return new ProviderRegistry(providers, config.CALLBACK_BASE_URL);
}
