import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { RawServerDefault } from 'fastify';
import { CallbackMetrics } from './callback-metrics';
import { callbackProviderOf, callbackRouteProvider } from './callback-route';

/**
 * The largest callback body accepted. Real notifications are 1 to 5 KB (a UnionPay form carries its signing
 * certificate; Stripe pretty-prints its events).
 */
export const CALLBACK_BODY_LIMIT_BYTES = 64 * 1024;

const FORM = 'application/x-www-form-urlencoded';
const JSON_TYPE = 'application/json';

/**
 * Callback bodies reach their controllers as the raw body string, form (Alipay, UnionPay) and JSON (WeChat Pay,
 * Stripe) alike. Signatures cover the body exactly as sent: a form decoded into an object (Nest's default) loses
 * repeated keys and cannot be verified without re-encoding, which is how "+" and "%" break signatures, and JSON
 * parsed and re-serialised is other bytes than the ones signed. Other routes keep Nest's usual JSON parsing.
 *
 * Every callback route has a 64 KB body limit, whatever the content type: an oversized body is refused with 413
 * while it streams in, before it is buffered in full. Must run before app.init(), where Nest registers its own
 * parsers and the routes.
 */
export function configureCallbackBodies(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  // A route's own limit takes precedence over its parser's, so this covers every parser (form, JSON, text).
  fastify.addHook('onRoute', (route) => {
    if (callbackRouteProvider(route.url)) route.bodyLimit = CALLBACK_BODY_LIMIT_BYTES;
  });
  // Forms are only ever callbacks in this service.
  app.useBodyParser(FORM, { bodyLimit: CALLBACK_BODY_LIMIT_BYTES }, (_request, body, done) => {
    done(null, body.toString('utf8'));
  });
  // Other JSON routes keep the application's limit (1 MB) and Fastify's default parsing.
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  app.useBodyParser<RawServerDefault>(
    JSON_TYPE,
    { bodyLimit: fastify.initialConfig.bodyLimit },
    (request, body, done) => {
      const text = body.toString('utf8');
      if (callbackProviderOf(request)) {
        done(null, text);
        return;
      }
      // Fastify's JSON parser is synchronous: it answers through done.
      void parseJson(request, text, done);
    },
  );

  // Fastify refuses a too-large body (413) or a content type it has no parser for (415) before any controller
  // runs; those callbacks are counted and logged here so every callback shows up in the metrics and logs.
  const metrics = app.get(CallbackMetrics);
  const logger = new Logger('Callbacks');
  fastify.addHook('onResponse', (request, reply, done) => {
    const provider = callbackProviderOf(request);
    const outcome =
      reply.statusCode === 413 ? 'rejected_too_large' : reply.statusCode === 415 ? 'rejected_content_type' : undefined;
    // A 415 from the controller is a verifier's own refusal (WeChat Pay), already counted there.
    if (provider !== undefined && outcome !== undefined && request.body === undefined) {
      metrics.count(provider, outcome);
      logger.warn({ msg: `${provider} callback refused`, provider, outcome, status: reply.statusCode });
    }
    done();
  });
}
