import { prepareDatabase } from '@shop/persistence';
import type { ServiceDefinition } from '@shop/runtime';
import { AppModule } from './app.module';
import { serveConsole } from './console/console-static';
import { serveOpenApiDocument } from './openapi/openapi-document';
import { schema } from './schema';
import { ApiGatewayConfig } from './api-gateway.config';

/** How the api-gateway is assembled; used by main.ts and by the tests that boot it. */
export const service: ServiceDefinition<ApiGatewayConfig> = {
  name: 'api-gateway',
  configSchema: ApiGatewayConfig,
  rootModule: (config) => AppModule.forRoot(config),
  prepare: prepareDatabase(schema),
  // GET /docs and /docs/openapi.json: the public API's OpenAPI document; /console: the console's pages.
  configure: (app, config) => {
    serveOpenApiDocument(app);
    serveConsole(app, config.NODE_ENV === 'production');
  },
};
