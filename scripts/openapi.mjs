// `npm run openapi`: writes openapi.json, the OpenAPI 3.1 document of the public API, generated from the compiled
// api-gateway (its controllers, DTOs and response classes; no database or Kafka needed: Nest's preview mode).
// `--check` only compares: exit 1 when the committed file differs from the code (a test runs it).
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(ROOT, 'dist/apps/api-gateway/src');
const { AppModule } = await import(path.join(dist, 'app.module.js'));
const { ApiGatewayConfig } = await import(path.join(dist, 'api-gateway.config.js'));
const { buildOpenApiDocument } = await import(path.join(dist, 'openapi/openapi-document.js'));
const { loadConfig } = await import(path.join(ROOT, 'dist/libs/runtime/src/index.js'));

// The document does not depend on configuration; the defaults of development are enough to build the modules.
const config = loadConfig(ApiGatewayConfig, 'api-gateway', { NODE_ENV: 'development' });
const app = await NestFactory.create(AppModule.forRoot(config), new FastifyAdapter(), {
  preview: true,
  logger: false,
  abortOnError: false,
});
const text = `${JSON.stringify(buildOpenApiDocument(app), null, 2)}\n`;
await app.close();

const file = path.join(ROOT, 'openapi.json');
if (process.argv.includes('--check')) {
  const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (committed !== text) {
    console.error('openapi.json differs from the code: run `npm run openapi` and commit the result');
    process.exit(1);
  }
  console.log('openapi.json matches the code');
} else {
  fs.writeFileSync(file, text);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}
