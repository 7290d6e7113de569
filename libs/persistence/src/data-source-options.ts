import type { DataSourceOptions, EntitySchema, MixedList } from 'typeorm';

/** TypeORM's options for PostgreSQL (the package does not export the type by name). */
export type PostgresOptions = Extract<DataSourceOptions, { type: 'postgres' }>;
import type { DatabaseConfig } from './database-config';
import { PreparingClient } from './prepared-statements';

/** What a service contributes to its DataSource: its entities and its migrations, in order. */
export interface SchemaDefinition {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function | string | EntitySchema>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function | string>;
}

/**
 * PostgreSQL DataSource options shared by all services. The schema only ever changes through migrations;
 * `synchronize` stays off.
 */
export function postgresOptions(
  config: DatabaseConfig,
  schema: SchemaDefinition,
  applicationName: string,
): PostgresOptions {
  return {
    type: 'postgres',
    host: config.DB_HOST,
    port: config.DB_PORT,
    username: config.DB_USER,
    password: config.DB_PASSWORD || undefined,
    database: config.DB_NAME,
    ssl: config.DB_SSL ? { rejectUnauthorized: true } : false,
    applicationName,
    poolSize: config.DB_POOL_SIZE ?? 10,
    connectTimeoutMS: 5000,
    entities: schema.entities,
    migrations: schema.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Failed queries surface as thrown errors and are logged as JSON by the caller; TypeORM's console logger is off.
    logging: false,
    // Parameterised statements as named prepared statements (parsed and planned once per connection).
    extra: { Client: PreparingClient },
  };
}
