import type { DatabaseConfig } from './database-config';

const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ETIMEDOUT', 'EAI_AGAIN']);

/** PostgreSQL could not be reached or refused us; the message says where, the hint says how to fix it. */
export class PostgresUnavailableError extends Error {
  readonly code = 'POSTGRES_UNAVAILABLE';
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'PostgresUnavailableError';
  }
}

/** Turns a pg connection error into an operator-facing message; other errors pass through unchanged. */
export function describePostgresError(error: unknown, config: DatabaseConfig): unknown {
  const where = `${config.DB_HOST}:${config.DB_PORT}`;
  const code = (error as { code?: string }).code ?? '';
  if (UNREACHABLE_CODES.has(code) || /timeout/i.test((error as Error).message ?? '')) {
    return new PostgresUnavailableError(
      `PostgreSQL is not reachable at ${where} (${code || 'timeout'}).`,
      'Start PostgreSQL (on Debian: pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start; ' +
        'with Docker: docker compose up -d postgres) or point DB_HOST/DB_PORT at a running server.',
    );
  }
  if (code === '28P01' || code === '28000') {
    return new PostgresUnavailableError(
      `PostgreSQL at ${where} refused user "${config.DB_USER}" (${code}).`,
      'Check DB_USER and DB_PASSWORD.',
    );
  }
  return error;
}
