import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';

/** Every public route lives under this prefix. */
export const PUBLIC_PREFIX = '/api/v1/';

/** The API's version in the document; bump with any change of the public API. */
export const API_VERSION = '1.0.0';

/**
 * The OpenAPI 3.1 document of the public API, generated from the controllers, their DTOs and response classes.
 * The committed openapi.json is this document (npm run openapi writes it; a test fails when they differ).
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('Shop payments API')
    .setDescription(
      'Orders and payments for customers, and the back office for admins. Amounts are integers of minor units ' +
        '(fen, cents) with an ISO 4217 currency. Errors answer {statusCode, code, message, details?, correlationId}. ' +
        'POST routes accept an Idempotency-Key: a retry gets the first answer again.',
    )
    .setVersion(API_VERSION)
    .addBearerAuth({
      type: 'http',
      scheme: 'bearer',
      bearerFormat: 'JWT',
      description: 'HS256 token with roles customer or admin',
    })
    .build();
  const document = SwaggerModule.createDocument(app, config, {
    operationIdFactory: (controllerKey: string, methodKey: string) =>
      `${controllerKey.replace(/Controller$/, '')}_${methodKey}`,
  });
  // Only the public API: health and metrics (served apart in production) are not part of it.
  document.paths = Object.fromEntries(
    Object.entries(document.paths).filter(([path]) => path.startsWith(PUBLIC_PREFIX)),
  );
  return sortKeys(document) as OpenAPIObject;
}

/** Serves the document at GET /docs/openapi.json and a Swagger UI page (bundled, no CDN) at GET /docs. */
export function serveOpenApiDocument(app: INestApplication): void {
  const document = buildOpenApiDocument(app);
  SwaggerModule.setup('docs', app, document, {
    jsonDocumentUrl: 'docs/openapi.json',
    raw: ['json'],
    customSiteTitle: 'Shop payments API',
  });
}

/** Object keys in a stable order, so the committed file does not change with registration order. */
function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeys((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
