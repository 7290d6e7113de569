import { Client } from 'pg';
import type { DatabaseConfig } from './database-config';
import { describePostgresError } from './postgres-errors';

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

/** Opens a short-lived connection to the server's maintenance database ("postgres"). */
export async function withAdminClient<T>(config: DatabaseConfig, fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({
    host: config.DB_HOST,
    port: config.DB_PORT,
    user: config.DB_USER,
    password: config.DB_PASSWORD || undefined,
    database: 'postgres',
    ssl: config.DB_SSL ? { rejectUnauthorized: true } : undefined,
    connectionTimeoutMillis: 5000,
  });
  try {
    await client.connect();
  } catch (error) {
    throw describePostgresError(error, config);
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * Creates the service's database when it does not exist yet. Safe to run from several replicas at once: losing
 * the creation race counts as success. PostgreSQL reports the loss in one of two ways: duplicate_database when
 * the winner had committed before the check, a unique violation on pg_database's name index when both were
 * creating at the same moment.
 */
export async function ensureDatabase(config: DatabaseConfig): Promise<'created' | 'exists'> {
  const name = config.DB_NAME;
  if (!IDENTIFIER.test(name)) throw new Error(`DB_NAME "${name}" is not a valid lower-case identifier`);
  return withAdminClient(config, async (client) => {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (found.rowCount) return 'exists';
    try {
      await client.query(`CREATE DATABASE "${name}"`);
      return 'created';
    } catch (error) {
      const { code, constraint } = error as { code?: string; constraint?: string };
      if (code === '42P04' || (code === '23505' && constraint === 'pg_database_datname_index')) return 'exists';
      throw error;
    }
  });
}

/** Drops a database (tests and tooling only), ending its open connections first. */
export async function dropDatabase(config: DatabaseConfig, name: string): Promise<void> {
  if (!IDENTIFIER.test(name)) throw new Error(`"${name}" is not a valid lower-case identifier`);
  await withAdminClient(config, async (client) => {
    await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  });
}
