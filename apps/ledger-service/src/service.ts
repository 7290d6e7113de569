import { connectEventHandlers } from '@shop/messaging';
import { prepareDatabase } from '@shop/persistence';
import type { ServiceDefinition } from '@shop/runtime';
import { AppModule } from './app.module';
import { schema } from './schema';
import { LedgerServiceConfig } from './ledger-service.config';

/** How the ledger-service is assembled; used by main.ts and by the tests that boot it. */
export const service: ServiceDefinition<LedgerServiceConfig> = {
  name: 'ledger-service',
  configSchema: LedgerServiceConfig,
  rootModule: (config) => AppModule.forRoot(config),
  prepare: prepareDatabase(schema),
  configure: (app) => connectEventHandlers(app, 'ledger-service'),
};
