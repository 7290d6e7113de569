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

// Tables that only ever grow: the service's role may read and append, never change or remove (their triggers
// refuse it too; without UPDATE/DELETE the role cannot even try, and without ownership it cannot disable them).
const APPEND_ONLY_TABLES = [
  'journal_entries',
  'journal_transactions',
  'order_timeline',
  'payment_log',
  'payment_log_pending',
];

/**
 * Grants the service's own role (DB_APP_ROLE) what the service needs: read and write its tables and sequences,
 * only read and append the append-only ones. It owns nothing, so it can neither change the schema nor disable a
 * trigger. Run by `migrate` as the owner, after the migrations.
 */
export async function grantAppRole(config: DatabaseConfig, role: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw new Error('DB_APP_ROLE must be a lower-case PostgreSQL identifier');
  const dataSource = new DataSource({
    type: 'postgres',
    host: config.DB_HOST,
    port: config.DB_PORT,
    username: config.DB_USER,
    password: config.DB_PASSWORD || undefined,
    database: config.DB_NAME,
    ssl: config.DB_SSL ? { rejectUnauthorized: true } : false,
    poolSize: 1,
  });
  await dataSource.initialize();
  try {
    await dataSource.transaction(async (manager) => {
      await manager.query(`GRANT CONNECT ON DATABASE "${config.DB_NAME}" TO "${role}"`);
      await manager.query(`GRANT USAGE ON SCHEMA public TO "${role}"`);
      await manager.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC, "${role}"`);
      await manager.query(`GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO "${role}"`);
      await manager.query(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO "${role}"`);
      const present: { table_name: string }[] = await manager.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name = ANY($1)`,
        [APPEND_ONLY_TABLES],
      );
      for (const { table_name: table } of present) {
        await manager.query(`REVOKE UPDATE, DELETE, TRUNCATE ON "${table}" FROM "${role}"`);
      }
      // The migrations table is the owner's record; the service only reads it (to check nothing is pending).
      await manager.query(`REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON "migrations" FROM "${role}"`);
    });
  } finally {
    await dataSource.destroy();
  }
}

/** A service started with DB_MIGRATIONS=skip on a database whose migrations have not all run. */
export class MigrationsPendingError extends Error {
  readonly hint = 'Run the migration job first: node dist/apps/<app>/src/main.js migrate (with the owner role)';
  constructor(database: string, pending: string[]) {
    super(
      `database ${database} has pending migrations (${pending.join(', ')}); this service does not migrate (DB_MIGRATIONS=skip)`,
    );
    this.name = 'MigrationsPendingError';
  }
}

/** The migrations of the schema not yet applied to the database (without changing anything). */
async function pendingMigrations(
  config: DatabaseConfig,
  schema: SchemaDefinition,
  applicationName: string,
): Promise<string[]> {
  const dataSource = new DataSource({ ...postgresOptions(config, schema, applicationName), poolSize: 1 });
  try {
    await dataSource.initialize();
  } catch (error) {
    throw describePostgresError(error, config);
  }
  try {
    const [{ present }] = await dataSource.query<{ present: boolean }[]>(
      `SELECT to_regclass('public.migrations') IS NOT NULL AS present`,
    );
    const applied = present
      ? new Set((await dataSource.query<{ name: string }[]>('SELECT name FROM migrations')).map((r) => r.name))
      : new Set<string>();
    return dataSource.migrations.map((m) => m.name ?? m.constructor.name).filter((name) => !applied.has(name));
  } finally {
    await dataSource.destroy();
  }
}

/**
 * The prepare step of a service: with DB_MIGRATIONS=run (default) its database exists and is migrated before Nest
 * starts; with skip (production: the service's role cannot change the schema) it only checks nothing is pending
 * and refuses to start otherwise. `migrate` (DB_MIGRATIONS forced to run) also grants DB_APP_ROLE.
 */
export function prepareDatabase(schema: SchemaDefinition) {
  return async (
    config: DatabaseConfig,
    logger: { info(obj: object, msg: string): void },
    applicationName = 'migrations',
  ): Promise<void> => {
    if (config.DB_MIGRATIONS === 'skip') {
      const pending = await pendingMigrations(config, schema, applicationName);
      if (pending.length > 0) throw new MigrationsPendingError(config.DB_NAME, pending);
      return;
    }
    const { created, applied } = await migrateDatabase(config, schema, applicationName);
    if (created) logger.info({ database: config.DB_NAME }, 'created database');
    if (applied.length > 0) logger.info({ database: config.DB_NAME, migrations: applied }, 'applied migrations');
    if (config.DB_APP_ROLE) {
      await grantAppRole(config, config.DB_APP_ROLE);
      logger.info({ database: config.DB_NAME, role: config.DB_APP_ROLE }, 'granted the service role');
    }
  };
}
