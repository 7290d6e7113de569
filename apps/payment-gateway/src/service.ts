import { prepareDatabase } from '@shop/persistence';
import type { ServiceDefinition } from '@shop/runtime';
import { AppModule } from './app.module';
import { schema } from './schema';
import { PaymentGatewayConfig } from './payment-gateway.config';

/** How the payment-gateway is assembled; used by main.ts and by the tests that boot it. */
export const service: ServiceDefinition<PaymentGatewayConfig> = {
  name: 'payment-gateway',
  configSchema: PaymentGatewayConfig,
  rootModule: (config) => AppModule.forRoot(config),
  prepare: prepareDatabase(schema),
};
