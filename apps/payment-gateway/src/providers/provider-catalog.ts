import {
  ALIPAY_AMOUNT_RANGE,
  type Currency,
  STRIPE_AMOUNT_MAX,
  SUPPORTED_CURRENCIES,
  UNION_PAY_AMOUNT_RANGE,
  WECHAT_PAY_AMOUNT_RANGE,
} from '@shop/money';
import type { ProviderName } from '@shop/contracts';
import type { PaymentMethod } from '@shop/providers';

/** Every way of paying the ProviderClient interface knows. */
export const PAYMENT_METHODS = ['qr', 'page', 'native', 'checkout'] as const satisfies readonly PaymentMethod[];

/** What a provider accepts, known without its client, so a request can be refused before anything is stored. */
export interface ProviderCapabilities {
  readonly methods: readonly PaymentMethod[];
  readonly currencies: readonly Currency[];
  /** Minor units, inclusive. */
  readonly amountRange: { readonly min: number; readonly max: number };
}

/**
 * The static facts per provider (see docs/providers.md). They are checked even for a disabled
 * provider: "WeChat Pay has no page method" is true whatever the configuration.
 */
export const PROVIDER_CAPABILITIES: Readonly<Record<ProviderName, ProviderCapabilities>> = {
  alipay: { methods: ['qr', 'page'], currencies: ['CNY'], amountRange: ALIPAY_AMOUNT_RANGE },
  wechatpay: { methods: ['native'], currencies: ['CNY'], amountRange: WECHAT_PAY_AMOUNT_RANGE },
  unionpay: { methods: ['page'], currencies: ['CNY'], amountRange: UNION_PAY_AMOUNT_RANGE },
  stripe: { methods: ['checkout'], currencies: SUPPORTED_CURRENCIES, amountRange: { min: 1, max: STRIPE_AMOUNT_MAX } },
};
