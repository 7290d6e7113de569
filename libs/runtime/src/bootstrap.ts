import { type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import * as fs from 'node:fs';
import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { ConfigError, loadConfig } from './config';
import { HealthRegistry } from './health';
import { createLogger, NestPinoLogger } from './logger';
import { MetricsRegistry } from './metrics';
import { correlationIdFrom, enterContext } from './request-context';
import { endSpan, flushTracing, SpanKind, startSpanFromHeaders, startTracing } from './tracing';
import type { Span } from '@opentelemetry/api';
import { type ServiceConfig } from './service-config';
import { createValidationPipe } from './validation.pipe';
import { restoreDateTimeFormat } from './lean-intl';
import { IdleMemoryRelease, memoryReducingCollector } from './memory-release';

/** How one service is assembled: its name, its config schema, its root module, and work before Nest starts. */
export interface ServiceDefinition<C extends ServiceConfig> {
  name: string;
  configSchema: new () => C;
  rootModule(config: C): DynamicModule;
  /** Runs before the Nest application is created, e.g. to create the service's database if it is missing. */
  prepare?(config: C, logger: Logger): Promise<void>;
  /** Runs on the created application before it starts, e.g. to connect its Kafka event handlers. */
  configure?(app: NestFastifyApplication, config: C): void;
}

/** An error raised while preparing that comes with advice for the operator (e.g. Postgres unreachable). */
export interface OperatorError extends Error {
  hint?: string;
}

// Probes and scrapes would drown the request log; they are visible in metrics instead.
const QUIET_PATHS = /^\/(health\/|metrics)/;

// The routes that move to MANAGEMENT_PORT when it is set. Compared with the route Fastify matched, never with the
// raw URL, so no spelling of the path (//metrics, /metrics/, %-encoded, absolute-form) reaches them publicly.
const MANAGEMENT_ROUTES = new Set(['/health/live', '/health/ready', '/metrics']);

/** The HTTPS options of the public listener when TLS_CERT_FILE and TLS_KEY_FILE are set (validated at start). */
function httpsOptions(config: ServiceConfig): { https: { cert: Buffer; key: Buffer } } | Record<string, never> {
  if (!config.TLS_CERT_FILE || !config.TLS_KEY_FILE) return {};
  return { https: { cert: fs.readFileSync(config.TLS_CERT_FILE), key: fs.readFileSync(config.TLS_KEY_FILE) } };
}

/**
 * Builds and initialises the Nest application on Fastify with JSON logging, correlation ids, validation and
 * metrics, and starts its event handlers; it does not listen on a port yet.
 */
export async function createServiceApp<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  config: C,
  logger: Logger = createLogger(definition.name, config.LOG_LEVEL),
): Promise<NestFastifyApplication> {
  startTracing(definition.name, config);
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // Fastify's own per-request lines are off: the onResponse hook below writes one line per request instead.
    // Its request id label differs from the logger's correlationId mixin so a line never has the key twice.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) =>
      correlationIdFrom(req.headers['x-request-id'] ?? req.headers['x-correlation-id']),
    bodyLimit: 1024 * 1024,
    ...httpsOptions(config),
  });
  const app = await NestFactory.create<NestFastifyApplication>(definition.rootModule(config), adapter, {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  const metrics = app.get(MetricsRegistry);
  const fastify = app.getHttpAdapter().getInstance();
  // One server span per request, continuing the caller's W3C traceparent (a client, a provider, the gateway).
  // Probes and scrapes make none: they would bury the traces people look for.
  const spans = new WeakMap<object, Span>();
  fastify.addHook('onRequest', (request, reply, done) => {
    const route = request.routeOptions.url;
    if (QUIET_PATHS.test(request.url)) {
      enterContext({ correlationId: request.id });
    } else {
      const { span, context } = startSpanFromHeaders(
        request.headers,
        route ? `${request.method} ${route}` : request.method,
        SpanKind.SERVER,
        { 'http.request.method': request.method, 'http.route': route ?? '', 'shop.correlation_id': request.id },
      );
      spans.set(request, span);
      enterContext({ correlationId: request.id, trace: context });
    }
    void reply.header('x-request-id', request.id);
    // Browsers must only ever reach a production deployment over HTTPS (HSTS), whatever the ingress sends.
    if (config.NODE_ENV === 'production') {
      void reply.header('strict-transport-security', 'max-age=31536000; includeSubDomains');
    }
    if (config.MANAGEMENT_PORT !== 0 && MANAGEMENT_ROUTES.has(request.routeOptions.url ?? '')) {
      void reply.status(404).send({
        statusCode: 404,
        code: 'NOT_FOUND',
        message: `Cannot ${request.method} ${request.routeOptions.url} on this port`,
        correlationId: request.id,
      });
      return;
    }
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const span = spans.get(request);
    if (span) {
      span.setAttribute('http.response.status_code', reply.statusCode);
      endSpan(span, reply.statusCode >= 500 ? `HTTP ${reply.statusCode}` : undefined);
    }
    const route = request.routeOptions.url ?? 'unmatched';
    const labels = { method: request.method, route, status: String(reply.statusCode) };
    metrics.httpRequests.inc(labels);
    metrics.httpDuration.observe(labels, reply.elapsedTime / 1000);
    if (!QUIET_PATHS.test(request.url)) {
      request.log.info(
        { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
        'request completed',
      );
    }
    done();
  });
  if (config.MANAGEMENT_PORT !== 0) {
    const management = createManagementServer(app);
    managementServers.set(app, management);
    fastify.addHook('onClose', async () => management.close());
  }
  fastify.addHook('onClose', async () => flushTracing());
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  definition.configure?.(app, config);
  // Module init first (database, topics, producer), then the event transports, then (in runService) HTTP.
  await app.init();
  await app.startAllMicroservices();
  return app;
}

/**
 * The management listener: liveness, readiness and metrics on MANAGEMENT_PORT, apart from the public routes.
 * It shares the application's health registry and metrics registry, so the answers are the same as on PORT.
 */
function createManagementServer(app: NestFastifyApplication): FastifyInstance {
  const health = app.get(HealthRegistry);
  const metrics = app.get(MetricsRegistry);
  const server = Fastify({ logger: false });
  server.get('/health/live', (_request, reply) => reply.send({ status: 'ok' }));
  server.get('/health/ready', async (_request, reply) => {
    const { ready, checks } = await health.readiness();
    return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', checks });
  });
  server.get('/metrics', async (_request, reply) =>
    reply.header('content-type', 'text/plain; version=0.0.4; charset=utf-8').send(await metrics.registry.metrics()),
  );
  server.setNotFoundHandler((request, reply) =>
    reply.status(404).send({ statusCode: 404, code: 'NOT_FOUND', message: `Cannot ${request.method} ${request.url}` }),
  );
  return server;
}

// The management server of each application, created with it (hooks cannot be added once Fastify is ready).
const managementServers = new WeakMap<NestFastifyApplication, FastifyInstance>();

/**
 * Starts listening: the public routes on PORT (HTTPS when TLS files are set) and, with MANAGEMENT_PORT, health and
 * metrics on their own port. Closing the application closes both. Returns the URLs.
 */
export async function listenService<C extends ServiceConfig>(
  app: NestFastifyApplication,
  config: C,
): Promise<{ url: string; managementUrl?: string }> {
  const host = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST;
  let managementUrl: string | undefined;
  const management = managementServers.get(app);
  if (management) {
    await management.listen({ port: config.MANAGEMENT_PORT, host: config.HOST });
    managementUrl = `http://${host}:${config.MANAGEMENT_PORT}`;
  }
  await app.listen({ port: config.PORT, host: config.HOST });
  const scheme = config.TLS_CERT_FILE ? 'https' : 'http';
  return { url: `${scheme}://${host}:${config.PORT}`, ...(managementUrl ? { managementUrl } : {}) };
}

/**
 * The entry point of every service: validate config (fail fast, naming every problem), prepare infrastructure,
 * start Nest, listen, and make sure shutdown finishes within SHUTDOWN_TIMEOUT_MS.
 */
export async function runService<C extends ServiceConfig>(definition: ServiceDefinition<C>): Promise<void> {
  // Every module of the service has loaded by now: NestJS's formatters stay deferred, the rest sees the real one.
  restoreDateTimeFormat();
  let config: C;
  try {
    config = loadConfig(definition.configSchema, definition.name);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger(definition.name, config.LOG_LEVEL);
  // `main.js migrate`: the migration job. Migrate as the configured (owner) role, grant DB_APP_ROLE, and exit.
  if (process.argv[2] === 'migrate') {
    try {
      await definition.prepare?.({ ...config, DB_MIGRATIONS: 'run' }, logger);
      logger.info({ database: config.DB_NAME }, `${definition.name}: migrations applied`);
      logger.flush();
      process.exit(0);
    } catch (error) {
      const err = error as OperatorError;
      process.stderr.write(`${definition.name} migrate: ${err.message}${err.hint ? `\n  ${err.hint}` : ''}\n`);
      process.exit(1);
    }
  }
  try {
    await definition.prepare?.(config, logger);
    const app = await createServiceApp(definition, config, logger);
    for (const signal of ['SIGTERM', 'SIGINT'] as const) {
      process.once(signal, () => {
        logger.info({ signal }, 'shutting down: finishing in-flight work');
        // A stuck dependency must not keep a terminating pod alive forever.
        setTimeout(() => {
          logger.error({ timeoutMs: config.SHUTDOWN_TIMEOUT_MS }, 'shutdown timed out; exiting');
          process.exit(1);
        }, config.SHUTDOWN_TIMEOUT_MS).unref();
      });
    }
    const urls = await listenService(app, config);
    logger.info(urls, `${definition.name} ready`);
    new IdleMemoryRelease(memoryReducingCollector(), logger).start();
  } catch (error) {
    const err = error as OperatorError;
    logger.fatal({ err }, `${definition.name} failed to start`);
    process.stderr.write(`${definition.name}: ${err.message}${err.hint ? `\n  ${err.hint}` : ''}\n`);
    logger.flush();
    process.exit(1);
  }
}
