import { DataSource } from 'typeorm';
import { migrateDatabase, postgresOptions, type SchemaDefinition } from '@shop/persistence';
import type { ServiceConfig, ServiceDefinition } from '@shop/runtime';
import { createTestDatabase } from './postgres';
import { startServiceForTest, type RunningService } from './service-harness';

async function tablesOf(dataSource: DataSource): Promise<string[]> {
  const rows: { table_name: string }[] = await dataSource.query(
    "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'migrations' ORDER BY table_name",
  );
  return rows.map((r) => r.table_name);
}

/**
 * The behaviour every service shares, as a spec: it boots on its own fresh database and topic prefix against the
 * real Postgres and Kafka, answers liveness and readiness, exposes metrics, and its migrations go up and down.
 */
export function describeServiceBasics<C extends ServiceConfig>(
  definition: ServiceDefinition<C>,
  schema: SchemaDefinition,
  expectedTables: string[],
  env: Record<string, string> = {},
  /** Exactly the readiness checks of a service that does not use Kafka (default: database and kafka, at least). */
  readinessChecks?: string[],
): void {
  describe(`${definition.name} basics`, () => {
    let service: RunningService<C>;

    beforeAll(async () => {
      service = await startServiceForTest(definition, env);
    });

    afterAll(async () => {
      await service?.stop();
    });

    it('answers GET /health/live with 200', async () => {
      const response = await service.request({ method: 'GET', url: '/health/live' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok' });
    });

    it('answers GET /health/ready with 200 once its database and Kafka are reachable', async () => {
      const response = await service.request({ method: 'GET', url: '/health/ready' });
      // A service with Kafka consumers also reports them (up unless one is stuck retrying a message).
      const expected = readinessChecks
        ? Object.fromEntries(readinessChecks.map((name) => [name, 'up']))
        : (expect.objectContaining({ database: 'up', kafka: 'up' }) as unknown);
      expect(response.json()).toEqual({ status: 'ok', checks: expected });
      expect(response.statusCode).toBe(200);
    });

    it('echoes a caller-supplied request id and makes one up otherwise', async () => {
      const echoed = await service.request({
        method: 'GET',
        url: '/health/live',
        headers: { 'x-request-id': 'abc-123' },
      });
      expect(echoed.headers['x-request-id']).toBe('abc-123');
      const made = await service.request({ method: 'GET', url: '/health/live' });
      expect(made.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    });

    it('exposes Prometheus metrics on GET /metrics', async () => {
      const response = await service.request({ method: 'GET', url: '/metrics' });
      expect(response.statusCode).toBe(200);
      expect(response.body).toContain('http_requests_total');
      expect(response.body).toContain('process_cpu_user_seconds_total');
    });

    it('answers an unknown route with a 404 in the JSON error format', async () => {
      const response = await service.request({ method: 'GET', url: '/no/such/route' });
      expect(response.statusCode).toBe(404);
      expect(response.json()).toMatchObject({ statusCode: 404, code: 'NOT_FOUND' });
    });

    it('ran its migrations on start', async () => {
      const dataSource = service.app.get(DataSource);
      expect(await dataSource.showMigrations()).toBe(false);
      expect(await tablesOf(dataSource)).toEqual([...expectedTables].sort());
    });

    it('has migrations that go up, down to nothing, and up again', async () => {
      // A database of its own: the running service's relay keeps polling its tables.
      const db = await createTestDatabase(`${definition.name}_migrations`);
      const dataSource = new DataSource(postgresOptions(db.config, schema, 'migration-test'));
      try {
        const { applied } = await migrateDatabase(db.config, schema, 'migration-test');
        expect(applied).toHaveLength(schema.migrations instanceof Array ? schema.migrations.length : 0);
        await dataSource.initialize();
        expect(await tablesOf(dataSource)).toEqual([...expectedTables].sort());
        for (let i = 0; i < applied.length; i++) await dataSource.undoLastMigration();
        expect(await tablesOf(dataSource)).toEqual([]);
        await dataSource.runMigrations();
        expect(await tablesOf(dataSource)).toEqual([...expectedTables].sort());
      } finally {
        if (dataSource.isInitialized) await dataSource.destroy();
        await db.drop();
      }
    });
  });
}
