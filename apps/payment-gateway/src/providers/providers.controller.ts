import { Controller, Get } from '@nestjs/common';
import type { ProviderName } from '@shop/contracts';
import type { PaymentMethod } from '@shop/providers';
import { PROVIDER_CAPABILITIES } from './provider-catalog';
import { ProviderRegistry } from './provider-registry';

/** One enabled provider, as a checkout page offers it. */
export interface EnabledProviderView {
  provider: ProviderName;
  methods: readonly PaymentMethod[];
  currencies: readonly string[];
}

/** Which providers run here, for the api-gateway's checkout (a disabled one would only answer PROVIDER_DISABLED). */
@Controller('internal/v1/providers')
export class ProvidersController {
  constructor(private readonly registry: ProviderRegistry) {}

  @Get()
  list(): { items: EnabledProviderView[] } {
    return {
      items: this.registry.enabled().map((provider) => ({
        provider,
        methods: PROVIDER_CAPABILITIES[provider].methods,
        currencies: PROVIDER_CAPABILITIES[provider].currencies,
      })),
    };
  }
}
