import { DataSource } from 'typeorm';
import type { DatabaseConfig } from './database-config';
import { postgresOptions, type SchemaDefinition } from './data-source-options';
import { ensureDatabase } from './ensure-database';
import { describePostgresError } from './postgres-errors';

// Held for the duration of a migration run so that replicas starting together migrate one after another.
const MIGRATION_LOCK_KEY = 7_340_111;

/**
 * Creates the service's database if it is missing and applies its pending migrations, serialised across
 * replicas by a PostgreSQL advisory lock. Returns the names of the migrations it applied.
 */
export async function migrateDatabase(
  config: DatabaseConfig,
  schema: SchemaDefinition,
  applicationName: string,
): Promise<{ created: boolean; applied: string[] }> {
  const created = (await ensureDatabase(config)) === 'created';
  const dataSource = new DataSource({ ...postgresOptions(config, schema, applicationName), poolSize: 1 });
  try {
    await dataSource.initialize();
  } catch (error) {
    throw describePostgresError(error, config);
  }
  try {
    await dataSource.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      return { created, applied: applied.map((m) => m.name) };
    } finally {
      await dataSource.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await dataSource.destroy();
  }
}

/** The prepare step of a service: its database exists and is migrated before Nest starts. */
export function prepareDatabase(schema: SchemaDefinition) {
  return async (
    config: DatabaseConfig,
    logger: { info(obj: object, msg: string): void },
    applicationName = 'migrations',
  ): Promise<void> => {
    const { created, applied } = await migrateDatabase(config, schema, applicationName);
    if (created) logger.info({ database: config.DB_NAME }, 'created database');
    if (applied.length > 0) logger.info({ database: config.DB_NAME, migrations: applied }, 'applied migrations');
  };
}
