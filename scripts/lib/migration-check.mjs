// Do the migrations build what the entities describe? For each service: a scratch database, every migration
// applied, then TypeORM's schema builder compares the entity metadata with the migrated schema. Tables, columns,
// types and nullability must agree. Objects that only the migrations declare (indexes, CHECK/foreign-key
// constraints, column defaults) are expected: the entities deliberately leave them to the migrations, and the
// builder reports them as "DROP ..." statements, which are ignored here.
import pg from 'pg';
import { DataSource } from 'typeorm';

export const SERVICES = ['api-gateway', 'order-service', 'payment-gateway', 'notification-ingest', 'ledger-service'];

// Statements that only say "the migrations declare more than the entities": never a mismatch.
const MIGRATION_ONLY =
  /^(DROP INDEX|ALTER TABLE "[^"]+" DROP CONSTRAINT|ALTER TABLE "[^"]+" ALTER COLUMN "[^"]+" DROP DEFAULT)/;

function connection(env) {
  return {
    host: env.DB_HOST ?? '127.0.0.1',
    port: Number(env.DB_PORT ?? 5432),
    user: env.DB_USER ?? 'postgres',
    password: env.DB_PASSWORD || undefined,
  };
}

/**
 * Checks one service's migrations against its entities in a throwaway database named `<prefix>_<service>`.
 * Returns the statements that would still be needed to reach the entities (empty when they agree).
 */
export async function checkService({ root, service, prefix, env = process.env }) {
  const { schema } = await import(`${root}/dist/apps/${service}/src/schema.js`);
  const database = `${prefix}_${service.replace(/-/g, '_')}`;
  const admin = new pg.Client({ ...connection(env), database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS "${database}"`);
    await admin.query(`CREATE DATABASE "${database}"`);
    const { user, ...rest } = connection(env);
    const dataSource = new DataSource({
      type: 'postgres',
      ...rest,
      username: user,
      database,
      entities: schema.entities,
      migrations: schema.migrations,
      migrationsTransactionMode: 'each',
      logging: false,
    });
    await dataSource.initialize();
    try {
      await dataSource.runMigrations();
      const log = await dataSource.driver.createSchemaBuilder().log();
      return log.upQueries.map((q) => q.query).filter((sql) => !MIGRATION_ONLY.test(sql));
    } finally {
      await dataSource.destroy();
    }
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS "${database}"`).catch(() => undefined);
    await admin.end();
  }
}
