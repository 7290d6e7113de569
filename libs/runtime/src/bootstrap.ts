import { type DynamicModule } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { LogController } from 'fastify';
import type { Logger } from 'pino';
import { ConfigError, loadConfig } from './config';
import { createLogger, NestPinoLogger } from './logger';
import { MetricsRegistry } from './metrics';
import { correlationIdFrom, enterContext } from './request-context';
import { type ServiceConfig } from './service-config';
import { createValidationPipe } from './validation.pipe';

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

/**
 * Builds and initialises the Nest application on Fastify with JSON logging, correlation ids, validation and
 * metrics, and starts its event handlers; it does not listen on a port yet.
 */
export async function createServiceApp<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  config: C,
  logger: Logger = createLogger(definition.name, config.LOG_LEVEL),
): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // Fastify's own per-request lines are off: the onResponse hook below writes one line per request instead.
    // Its request id label differs from the logger's correlationId mixin so a line never has the key twice.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'reqId' }),
    genReqId: (req: { headers: Record<string, string | string[] | undefined> }) =>
      correlationIdFrom(req.headers['x-request-id'] ?? req.headers['x-correlation-id']),
    bodyLimit: 1024 * 1024,
  });
  const app = await NestFactory.create<NestFastifyApplication>(definition.rootModule(config), adapter, {
    logger: new NestPinoLogger(logger),
    abortOnError: false,
  });
  const metrics = app.get(MetricsRegistry);
  const fastify = app.getHttpAdapter().getInstance();
  fastify.addHook('onRequest', (request, reply, done) => {
    enterContext({ correlationId: request.id });
    void reply.header('x-request-id', request.id);
    done();
  });
  fastify.addHook('onResponse', (request, reply, done) => {
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
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks(['SIGTERM', 'SIGINT']);
  definition.configure?.(app, config);
  // Module init first (database, topics, producer), then the event transports, then (in runService) HTTP.
  await app.init();
  await app.startAllMicroservices();
  return app;
}

/**
 * The entry point of every service: validate config (fail fast, naming every problem), prepare infrastructure,
 * start Nest, listen, and make sure shutdown finishes within SHUTDOWN_TIMEOUT_MS.
 */
export async function runService<C extends ServiceConfig>(definition: ServiceDefinition<C>): Promise<void> {
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
    await app.listen({ port: config.PORT, host: config.HOST });
    const host = config.HOST === '0.0.0.0' ? '127.0.0.1' : config.HOST;
    logger.info({ url: `http://${host}:${config.PORT}` }, `${definition.name} ready`);
  } catch (error) {
    const err = error as OperatorError;
    logger.fatal({ err }, `${definition.name} failed to start`);
    process.stderr.write(`${definition.name}: ${err.message}${err.hint ? `\n  ${err.hint}` : ''}\n`);
    logger.flush();
    process.exit(1);
  }
}
