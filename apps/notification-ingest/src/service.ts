import { connectEventHandlers } from '@shop/messaging';
import { prepareDatabase } from '@shop/persistence';
import type { ServiceDefinition } from '@shop/runtime';
import { AppModule } from './app.module';
import { configureCallbackBodies } from './callbacks/callback-bodies';
import { configureCallbackErrorFormats } from './callbacks/callback-error-format';
import { configureCallbackSources } from './callbacks/callback-sources';
import { schema } from './schema';
import { NotificationIngestConfig } from './notification-ingest.config';

/** How the notification-ingest is assembled; used by main.ts and by the tests that boot it. */
export const service: ServiceDefinition<NotificationIngestConfig> = {
  name: 'notification-ingest',
  configSchema: NotificationIngestConfig,
  rootModule: (config) => AppModule.forRoot(config),
  prepare: prepareDatabase(schema),
  configure: (app) => {
    configureCallbackSources(app);
    configureCallbackBodies(app);
    configureCallbackErrorFormats(app);
    connectEventHandlers(app, 'notification-ingest');
  },
};
