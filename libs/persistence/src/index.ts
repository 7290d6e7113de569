export type { DatabaseConfig } from './database-config';
export { PostgresUnavailableError, describePostgresError } from './postgres-errors';
export { dropDatabase, ensureDatabase, withAdminClient } from './ensure-database';
export { migrateDatabase, prepareDatabase } from './migrate';
export { postgresOptions } from './data-source-options';
export type { SchemaDefinition } from './data-source-options';
export { DatabaseHealth } from './database.health';
export { PersistenceModule } from './persistence.module';
