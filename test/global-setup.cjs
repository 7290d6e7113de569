// Runs once before the integration tests: they need the real PostgreSQL server and a real Kafka broker.
// Kafka is started when none answers (on a fresh data dir, so every such run starts clean) and stopped again
// by global-teardown.cjs; a broker that was already running is used as it is, and the teardown deletes from it
// exactly the topics of this run: every test name starts with the run marker set here (libs/testing/src/test-run.mjs).
const { Client } = require('pg');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

module.exports = async function globalSetup() {
  const host = process.env.DB_HOST ?? '127.0.0.1';
  const port = Number(process.env.DB_PORT ?? 5432);
  const client = new Client({
    host,
    port,
    user: process.env.DB_USER ?? 'postgres',
    password: process.env.DB_PASSWORD || undefined,
    database: 'postgres',
    connectionTimeoutMillis: 5000,
  });
  try {
    await client.connect();
    await client.end();
  } catch (error) {
    throw new Error(
      `Integration tests need PostgreSQL at ${host}:${port}, which is not reachable (${error.code ?? error.message}). ` +
        'Start it (pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start) or set DB_HOST/DB_PORT.',
      { cause: error },
    );
  }

  const { newTestRunMarker, TEST_RUN_ENV } = await import('../libs/testing/src/test-run.mjs');
  const runMarker = newTestRunMarker();
  process.env[TEST_RUN_ENV] = runMarker;

  const { ensureKafka } = await import('../scripts/lib/kafka-local.mjs');
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'shop-test-kafka-'));
  const log = (line) => process.stderr.write(`[kafka] ${line}\n`);
  const kafka = await ensureKafka({ log, dataDir });
  process.env.KAFKA_BROKERS = kafka.brokers;
  globalThis.__SHOP_TEST_KAFKA__ = { ...kafka, dataDir, runMarker };
  if (!kafka.startedByUs) fs.rmSync(dataDir, { recursive: true, force: true });
};
