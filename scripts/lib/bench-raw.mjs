// The box's raw reference for `npm run bench`: what PostgreSQL on this machine does for the smallest durable unit
// of our work, one inbox row and one outbox row in one transaction, from node-postgres with a pool of 8, in a
// scratch database. Every system rate is reported as a ratio of this, measured in the same run.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import pg from 'pg';

export function pgConfig(env = process.env) {
  return {
    host: env.DB_HOST ?? '127.0.0.1',
    port: Number(env.DB_PORT ?? 5432),
    user: env.DB_USER ?? 'postgres',
    password: env.DB_PASSWORD || undefined,
  };
}

/** Transactions per second of BEGIN; INSERT inbox; INSERT outbox; COMMIT over `seconds`, 8 connections. */
export async function rawReference({ seconds = 5, connections = 8, env = process.env } = {}) {
  const database = `bench_raw_${process.pid}_${Date.now()}`;
  // A short-lived admin connection for each of CREATE and DROP: nothing stays open to be closed under us.
  const admin = async (sql) => {
    const client = new pg.Client({ ...pgConfig(env), database: 'postgres' });
    client.on('error', () => undefined);
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  await admin(`CREATE DATABASE ${database}`);
  const pool = new pg.Pool({ ...pgConfig(env), database, max: connections });
  // An idle connection closed by the server must not crash the run (the pool replaces it).
  pool.on('error', () => undefined);
  try {
    await pool.query(`CREATE TABLE inbox (event_id uuid PRIMARY KEY, topic text NOT NULL,
      received_at timestamptz NOT NULL DEFAULT now())`);
    await pool.query(`CREATE TABLE outbox (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, event_id uuid UNIQUE,
      topic text NOT NULL, envelope jsonb NOT NULL, published_at timestamptz)`);
    const envelope = JSON.stringify({
      type: 'OrderPaid',
      payload: { orderNo: '2026120500000000000000', amount: 3900 },
    });
    let done = 0;
    const deadline = Date.now() + seconds * 1000;
    const started = performance.now();
    // A connection the server closes (a restart, another tool terminating backends) is replaced; only commits count.
    await Promise.all(
      Array.from({ length: connections }, async () => {
        while (Date.now() < deadline) {
          const client = await pool.connect();
          let broken;
          try {
            while (Date.now() < deadline) {
              await client.query('BEGIN');
              await client.query('INSERT INTO inbox (event_id, topic) VALUES ($1, $2)', [randomUUID(), 'payments']);
              await client.query('INSERT INTO outbox (event_id, topic, envelope) VALUES ($1, $2, $3)', [
                randomUUID(),
                'orders',
                envelope,
              ]);
              await client.query('COMMIT');
              done += 1;
            }
          } catch (error) {
            broken = error;
          } finally {
            client.release(broken);
          }
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    return { transactionsPerSecond: done / elapsed, transactions: done, seconds: elapsed, connections };
  } finally {
    await pool.end();
    await admin(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  }
}
