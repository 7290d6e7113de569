// `npm run openapi`: writes openapi.json, the OpenAPI 3.1 document of the public API, generated from the compiled
// api-gateway (its controllers, DTOs and response classes; no database or Kafka needed: Nest's preview mode).
// It also writes the console's typed client schema (apps/console/src/api/schema.d.ts) from that document with
// openapi-typescript. `--check` only compares: exit 1 when a committed file differs from the code (a test runs it).
import 'reflect-metadata';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import openapiTS, { astToString } from 'openapi-typescript';

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

const schemaText =
  '// Generated from openapi.json by `npm run openapi` (openapi-typescript): do not edit.\n' +
  astToString(await openapiTS(JSON.parse(text), { alphabetize: true }));

const outputs = [
  [path.join(ROOT, 'openapi.json'), text],
  [path.join(ROOT, 'apps/console/src/api/schema.d.ts'), schemaText],
];
if (process.argv.includes('--check')) {
  let stale = false;
  for (const [file, content] of outputs) {
    const committed = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    if (committed !== content) {
      console.error(
        `${path.relative(ROOT, file)} differs from the code: run \`npm run openapi\` and commit the result`,
      );
      stale = true;
    }
  }
  if (stale) process.exit(1);
  console.log('openapi.json and the console client schema match the code');
} else {
  for (const [file, content] of outputs) {
    fs.writeFileSync(file, content);
    console.log(`wrote ${path.relative(process.cwd(), file)}`);
  }
}
