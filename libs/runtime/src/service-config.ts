import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  Matches,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';

const toBoolean = ({ value }: { value: unknown }): unknown =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;

/**
 * Settings every service shares. Each app extends it with its own variables and overrides PORT and DB_NAME
 * defaults. Values come only from environment variables (see README "Configuration").
 */
export class ServiceConfig {
  @IsIn(['development', 'test', 'production'])
  NODE_ENV: 'development' | 'test' | 'production' = 'development';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  @IsString()
  @IsNotEmpty()
  HOST = '0.0.0.0';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  PORT = 3000;

  @IsString()
  @IsNotEmpty()
  DB_HOST = '127.0.0.1';

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(65535)
  DB_PORT = 5432;

  @IsString()
  @IsNotEmpty()
  DB_USER = 'postgres';

  // Trust auth is fine on a developer machine; production must authenticate.
  @ValidateIf((c: ServiceConfig) => c.NODE_ENV === 'production')
  @IsNotEmpty({ message: 'DB_PASSWORD is required when NODE_ENV=production' })
  DB_PASSWORD = '';

  @Matches(/^[a-z_][a-z0-9_]{0,62}$/, {
    message: 'DB_NAME must be a lower-case PostgreSQL identifier (letters, digits, underscore; max 63)',
  })
  DB_NAME = 'shop';

  @Transform(toBoolean)
  @IsBoolean()
  DB_SSL = false;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  DB_POOL_SIZE = 10;

  @Matches(/^[A-Za-z0-9.-]+:\d{1,5}(,[A-Za-z0-9.-]+:\d{1,5})*$/, {
    message: 'KAFKA_BROKERS must be a comma-separated list of host:port',
  })
  KAFKA_BROKERS = '127.0.0.1:9092';

  // Prefixes every topic and consumer group name: lets test runs (or tenants) share one cluster in isolation.
  @Matches(/^[A-Za-z0-9._-]*$/, { message: 'KAFKA_TOPIC_PREFIX may contain only letters, digits, ".", "_" and "-"' })
  KAFKA_TOPIC_PREFIX = '';

  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(600000)
  SHUTDOWN_TIMEOUT_MS = 10000;

  /**
   * The shared secret services present to each other on /internal routes (Authorization: Bearer ...). Empty
   * leaves them open, for development only; production requires one of 32+ characters.
   */
  @ValidateIf((c: ServiceConfig) => c.NODE_ENV === 'production' || c.INTERNAL_TOKEN !== '')
  @MinLength(32, { message: 'INTERNAL_TOKEN must be at least 32 characters (required when NODE_ENV=production)' })
  INTERNAL_TOKEN = '';
}
