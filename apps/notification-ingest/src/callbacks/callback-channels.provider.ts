import type { FactoryProvider } from '@nestjs/common';
import { ALIPAY_CHANNEL } from '../alipay/alipay-verifier.provider';
import { STRIPE_CHANNEL } from '../stripe/stripe-verifier.provider';
import { UNIONPAY_CHANNEL } from '../unionpay/unionpay-verifier.provider';
import { WECHATPAY_CHANNEL } from '../wechatpay/wechatpay-verifier.provider';
import type { CallbackChannel } from './callback-channel';
import type { ProviderName } from '@shop/contracts';

/** Injection token of CallbackChannels. */
export const CALLBACK_CHANNELS = Symbol('CALLBACK_CHANNELS');

/** Every provider's callback channel; null for a provider this deployment does not configure. */
export type CallbackChannels = Readonly<Record<ProviderName, CallbackChannel | null>>;

/** Collects the providers' channels, each built by its own *-verifier.provider.ts from the validated config. */
export const callbackChannelsProvider: FactoryProvider<CallbackChannels> = {
  provide: CALLBACK_CHANNELS,
  inject: [ALIPAY_CHANNEL, WECHATPAY_CHANNEL, UNIONPAY_CHANNEL, STRIPE_CHANNEL],
  useFactory: (
    alipay: CallbackChannel | null,
    wechatpay: CallbackChannel | null,
    unionpay: CallbackChannel | null,
    stripe: CallbackChannel | null,
  ): CallbackChannels => ({ alipay, wechatpay, unionpay, stripe }),
};
