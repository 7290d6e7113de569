import { connectEventHandlers } from '@shop/messaging';
import { prepareDatabase } from '@shop/persistence';
import type { ServiceDefinition } from '@shop/runtime';
import { AppModule } from './app.module';
import { schema } from './schema';
import { PaymentGatewayConfig } from './payment-gateway.config';
import { PAYMENT_GATEWAY_CONSUMER } from './payments/payments.service';

/** How the payment-gateway is assembled; used by main.ts and by the tests that boot it. */
export const service: ServiceDefinition<PaymentGatewayConfig> = {
  name: 'payment-gateway',
  configSchema: PaymentGatewayConfig,
  rootModule: (config) => AppModule.forRoot(config),
  prepare: prepareDatabase(schema),
  configure: (app) => connectEventHandlers(app, PAYMENT_GATEWAY_CONSUMER),
};
