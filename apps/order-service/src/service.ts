import { connectEventHandlers } from '@shop/messaging';
import { prepareDatabase } from '@shop/persistence';
import type { ServiceDefinition } from '@shop/runtime';
import { AppModule } from './app.module';
import { schema } from './schema';
import { OrderServiceConfig } from './order-service.config';

/** How the order-service is assembled; used by main.ts and by the tests that boot it. */
export const service: ServiceDefinition<OrderServiceConfig> = {
  name: 'order-service',
  configSchema: OrderServiceConfig,
  rootModule: (config) => AppModule.forRoot(config),
  prepare: prepareDatabase(schema),
  // The @EventPattern handlers (PaymentEventsHandler) consume as one group named after the service.
  configure: (app) => connectEventHandlers(app, 'order-service'),
};
