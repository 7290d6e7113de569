import { createHash } from 'node:crypto';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** How long a key is remembered after its first use. */
export const IDEMPOTENCY_TTL_SECONDS = 24 * 60 * 60;

/**
 * How long a first request may hold its key before a retry may take it over. Longer than any request the
 * gateway serves (a payment start waits on the provider for at most 20 s), so only a request whose gateway
 * died mid-way is taken over.
 */
export const IDEMPOTENCY_LEASE_SECONDS = 60;

/** What a key's first request left behind, as the store reports it to a retry. */
export type IdempotencyClaim =
  /** The key is new (or expired, or abandoned): this request runs, and completes or releases the claim. */
  | { kind: 'claimed' }
  /** The first request finished: answer what it answered. */
  | { kind: 'replay'; statusCode: number; body: unknown }
  /** The same key was used with another method, path or body. */
  | { kind: 'reused' }
  /** The first request is still running. */
  | { kind: 'in-use' };

/**
 * The stored first answers of idempotent requests (table idempotency_records), per caller and key. Only
 * successful answers are kept: a refused request changed nothing, and one that failed upstream must be
 * retried, so both release their key and a retry runs again (the services below are idempotent themselves).
 */
@Injectable()
export class IdempotencyStore implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(IdempotencyStore.name);
  private purgeTimer: NodeJS.Timeout | undefined;

  constructor(private readonly dataSource: DataSource) {}

  onApplicationBootstrap(): void {
    // Expired keys are purged in the background; claim() also treats them as absent, so purging is only tidying.
    this.purgeTimer = setInterval(() => void this.purgeExpired().catch(() => undefined), 10 * 60 * 1000);
    this.purgeTimer.unref();
  }

  onApplicationShutdown(): void {
    if (this.purgeTimer) clearInterval(this.purgeTimer);
  }

  /** The fingerprint of a request: method, matched route with its parameters, and the body in canonical form. */
  static fingerprint(method: string, route: string, params: unknown, body: unknown): string {
    return createHash('sha256')
      .update(JSON.stringify([method, route, canonical(params), canonical(body)]))
      .digest('hex');
  }

  /** Claims the key for this request, or says what a previous request with it left. One statement each way. */
  async claim(callerId: string, key: string, fingerprint: string): Promise<IdempotencyClaim> {
    // Insert, or take over a row that expired or was abandoned mid-request (its lease ran out); otherwise leave it.
    const claimed: unknown[] = await this.dataSource.query(
      `INSERT INTO idempotency_records (caller_id, idempotency_key, request_hash, expires_at, created_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4), now())
       ON CONFLICT (caller_id, idempotency_key) DO UPDATE
         SET request_hash = EXCLUDED.request_hash, expires_at = EXCLUDED.expires_at, created_at = now(),
             status_code = NULL, response_body = NULL
         WHERE idempotency_records.expires_at <= now()
            OR (idempotency_records.status_code IS NULL
                AND idempotency_records.request_hash = EXCLUDED.request_hash
                AND idempotency_records.created_at <= now() - make_interval(secs => $5))
       RETURNING 1`,
      [callerId, key, fingerprint, IDEMPOTENCY_TTL_SECONDS, IDEMPOTENCY_LEASE_SECONDS],
    );
    if (claimed.length === 1) return { kind: 'claimed' };
    const [row]: { request_hash: string; status_code: number | null; response_body: unknown }[] =
      await this.dataSource.query(
        `SELECT request_hash, status_code, response_body FROM idempotency_records
         WHERE caller_id = $1 AND idempotency_key = $2`,
        [callerId, key],
      );
    // Gone between the two statements (released by its request): this one may run.
    if (!row) return this.claim(callerId, key, fingerprint);
    if (row.request_hash !== fingerprint) return { kind: 'reused' };
    if (row.status_code === null) return { kind: 'in-use' };
    return { kind: 'replay', statusCode: row.status_code, body: row.response_body };
  }

  /** Stores the first answer, to be replayed to every retry until the key expires. */
  async complete(callerId: string, key: string, statusCode: number, body: unknown): Promise<void> {
    await this.dataSource.query(
      `UPDATE idempotency_records SET status_code = $3, response_body = $4
       WHERE caller_id = $1 AND idempotency_key = $2 AND status_code IS NULL`,
      [callerId, key, statusCode, JSON.stringify(body ?? null)],
    );
  }

  /** Forgets a claim whose request did not succeed, so a retry runs again. */
  async release(callerId: string, key: string): Promise<void> {
    await this.dataSource.query(
      'DELETE FROM idempotency_records WHERE caller_id = $1 AND idempotency_key = $2 AND status_code IS NULL',
      [callerId, key],
    );
  }

  private async purgeExpired(): Promise<void> {
    const [, count]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM idempotency_records WHERE ctid IN (
         SELECT ctid FROM idempotency_records WHERE expires_at <= now() LIMIT 10000)`,
    );
    if (count > 0) this.logger.log({ count, msg: 'purged expired idempotency keys' });
  }
}

/** JSON with object keys sorted, so {"a":1,"b":2} and {"b":2,"a":1} are the same request. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}
