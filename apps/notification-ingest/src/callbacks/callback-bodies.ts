import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { CallbackMetrics } from './callback-metrics';

/** The largest callback body accepted; real Alipay notifications are 1 to 3 KB. */
export const CALLBACK_BODY_LIMIT_BYTES = 64 * 1024;

const FORM = 'application/x-www-form-urlencoded';
const CALLBACK_ROUTE = /^\/callbacks\/([a-z]+)$/;

/**
 * Form callbacks reach their controllers as the raw body string. The signature covers the form exactly as sent:
 * a parser that decodes it into an object (Nest's default) loses repeated keys and cannot be verified without
 * re-encoding, which is how "+" and "%" break signatures. The limit turns oversized bodies into 413 before they
 * are buffered in full. Must run before app.init(), where Nest would register its own form parser.
 */
export function configureCallbackBodies(app: NestFastifyApplication): void {
  app.useBodyParser(FORM, { bodyLimit: CALLBACK_BODY_LIMIT_BYTES }, (_request, body, done) => {
    done(null, body.toString('utf8'));
  });

  // Fastify refuses a too-large body (413) or a content type it has no parser for (415) before any controller
  // runs; those callbacks are counted and logged here so every callback shows up in the metrics and logs.
  const metrics = app.get(CallbackMetrics);
  const logger = new Logger('Callbacks');
  app
    .getHttpAdapter()
    .getInstance()
    .addHook('onResponse', (request, reply, done) => {
      const provider = CALLBACK_ROUTE.exec(request.routeOptions.url ?? '')?.[1];
      const outcome =
        reply.statusCode === 413
          ? 'rejected_too_large'
          : reply.statusCode === 415
            ? 'rejected_content_type'
            : undefined;
      if (provider !== undefined && outcome !== undefined) {
        metrics.count(provider, outcome);
        logger.warn({ msg: `${provider} callback refused`, provider, outcome, status: reply.statusCode });
      }
      done();
    });
}
