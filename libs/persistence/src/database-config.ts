/** The connection settings a service needs; the runtime's ServiceConfig satisfies this shape. */
export interface DatabaseConfig {
  DB_HOST: string;
  DB_PORT: number;
  DB_USER: string;
  DB_PASSWORD: string;
  DB_NAME: string;
  DB_SSL: boolean;
  DB_POOL_SIZE?: number;
  /** run: migrate at start (development); skip: only check nothing is pending (production, see migrate()). */
  DB_MIGRATIONS?: 'run' | 'skip';
  /** The role the service runs as in production; `migrate` grants it what the service needs, and no more. */
  DB_APP_ROLE?: string;
}
