import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { InjectOptions, Response as InjectResponse } from 'light-my-request';
import { dropDatabase } from '@shop/persistence';
import { createServiceApp, loadConfig, type ServiceConfig, type ServiceDefinition } from '@shop/runtime';
import { createLogger } from '@shop/runtime';
import { testBrokers } from './kafka';
import { uniqueName } from './names';
import { testDatabaseConfig } from './postgres';

/** A service booted in-process on its own database and topic prefix, against the real Kafka and Postgres. */
export interface RunningService<C extends ServiceConfig> {
  app: NestFastifyApplication;
  config: C;
  /** Sends a request through Fastify's inject: the full HTTP pipeline without a socket. */
  request(options: InjectOptions): Promise<InjectResponse>;
  /** Closes the application (graceful shutdown) and drops its database. */
  stop(): Promise<void>;
}

/** Boots a service the way main.ts does (prepare, migrations, topics, consumers), without listening on a port. */
export async function startServiceForTest<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  env: Record<string, string> = {},
): Promise<RunningService<C>> {
  const db = testDatabaseConfig(uniqueName(definition.name));
  const config = loadConfig(definition.configSchema, definition.name, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env['TEST_LOG_LEVEL'] ?? 'error',
    DB_HOST: db.DB_HOST,
    DB_PORT: String(db.DB_PORT),
    DB_USER: db.DB_USER,
    DB_PASSWORD: db.DB_PASSWORD,
    DB_NAME: db.DB_NAME,
    KAFKA_BROKERS: testBrokers(),
    KAFKA_TOPIC_PREFIX: uniqueName(definition.name),
    ...env,
  });
  const logger = createLogger(definition.name, config.LOG_LEVEL);
  let app: NestFastifyApplication | undefined;
  try {
    await definition.prepare?.(config, logger);
    app = await createServiceApp(definition, config, logger);
    await app.getHttpAdapter().getInstance().ready();
  } catch (error) {
    // A failed start must not leave its database behind (one the caller passed in is the caller's to drop).
    await app?.close().catch(() => undefined);
    if (!env['DB_NAME']) await dropDatabase(config, config.DB_NAME).catch(() => undefined);
    throw error;
  }
  const fastify = app.getHttpAdapter().getInstance();
  return {
    app,
    config,
    request: (options) => fastify.inject(options),
    stop: async () => {
      await app.close();
      await dropDatabase(config, config.DB_NAME);
    },
  };
}
