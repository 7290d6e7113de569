import { prepareDatabase } from '@shop/persistence';
import type { ServiceDefinition } from '@shop/runtime';
import { AppModule } from './app.module';
import { serveOpenApiDocument } from './openapi/openapi-document';
import { schema } from './schema';
import { ApiGatewayConfig } from './api-gateway.config';

/** How the api-gateway is assembled; used by main.ts and by the tests that boot it. */
export const service: ServiceDefinition<ApiGatewayConfig> = {
  name: 'api-gateway',
  configSchema: ApiGatewayConfig,
  rootModule: (config) => AppModule.forRoot(config),
  prepare: prepareDatabase(schema),
  // GET /docs and /docs/openapi.json: the public API's OpenAPI document.
  configure: (app) => serveOpenApiDocument(app),
};
