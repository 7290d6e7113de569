import { dropDatabase, ensureDatabase, type DatabaseConfig } from '@shop/persistence';
import { uniqueName } from './names';

/** Connection settings of the PostgreSQL server the tests use (the same variables the services read). */
export function testDatabaseConfig(name: string): DatabaseConfig {
  return {
    DB_HOST: process.env['DB_HOST'] ?? '127.0.0.1',
    DB_PORT: Number(process.env['DB_PORT'] ?? 5432),
    DB_USER: process.env['DB_USER'] ?? 'postgres',
    DB_PASSWORD: process.env['DB_PASSWORD'] ?? '',
    DB_NAME: name,
    DB_SSL: false,
  };
}

/** A database of its own for one test file; drop() removes it again. */
export interface TestDatabase {
  name: string;
  config: DatabaseConfig;
  drop(): Promise<void>;
}

/** Creates a fresh, empty database with a unique name. */
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const name = uniqueName(label);
  const config = testDatabaseConfig(name);
  await ensureDatabase(config);
  return { name, config, drop: () => dropDatabase(config, name) };
}
