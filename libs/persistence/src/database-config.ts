/** The connection settings a service needs; the runtime's ServiceConfig satisfies this shape. */
export interface DatabaseConfig {
  DB_HOST: string;
  DB_PORT: number;
  DB_USER: string;
  DB_PASSWORD: string;
  DB_NAME: string;
  DB_SSL: boolean;
  DB_POOL_SIZE?: number;
}
