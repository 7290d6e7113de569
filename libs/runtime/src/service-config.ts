import { Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsNumber,
  IsString,
  IsUrl,
  Matches,
  Max,
  Min,
  MinLength,
  registerDecorator,
  ValidateIf,
  type ValidationOptions,
} from 'class-validator';
import * as fs from 'node:fs';

/** The value names a file this process can read (checked at start, not at first use). */
function IsReadableFile(options: ValidationOptions): PropertyDecorator {
  return (target, propertyKey) =>
    registerDecorator({
      name: 'isReadableFile',
      target: target.constructor,
      propertyName: String(propertyKey),
      options,
      validator: {
        validate(value: unknown): boolean {
          if (typeof value !== 'string' || value === '') return false;
          try {
            fs.accessSync(value, fs.constants.R_OK);
            return fs.statSync(value).isFile();
          } catch {
            return false;
          }
        },
      },
    });
}

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

  /**
   * Where /health/live, /health/ready and /metrics are served, apart from the public routes, so an Ingress that
   * exposes PORT can never expose them; 0 serves them on PORT (development). Required when NODE_ENV=production.
   */
  @Type(() => Number)
  @ValidateIf((c: ServiceConfig) => c.NODE_ENV === 'production' || c.MANAGEMENT_PORT !== 0)
  @IsInt()
  @Min(1, { message: 'MANAGEMENT_PORT is required when NODE_ENV=production (health and metrics apart from PORT)' })
  @Max(65535)
  MANAGEMENT_PORT = 0;

  /**
   * HTTPS in the process, for deployments where no ingress terminates TLS: PEM files of the certificate (chain)
   * and its key. Both or neither; with them, PORT speaks only HTTPS.
   */
  @ValidateIf((c: ServiceConfig) => c.TLS_CERT_FILE !== '' || c.TLS_KEY_FILE !== '')
  @IsReadableFile({
    message: 'TLS_CERT_FILE must name a readable PEM file (TLS_CERT_FILE and TLS_KEY_FILE go together)',
  })
  TLS_CERT_FILE = '';

  @ValidateIf((c: ServiceConfig) => c.TLS_CERT_FILE !== '' || c.TLS_KEY_FILE !== '')
  @IsReadableFile({
    message: 'TLS_KEY_FILE must name a readable PEM file (TLS_CERT_FILE and TLS_KEY_FILE go together)',
  })
  TLS_KEY_FILE = '';

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

  /**
   * run: the service creates and migrates its database at start (development). skip: it only checks that no
   * migration is pending, for production where it runs as a role that cannot change the schema and a migration
   * job (`node dist/apps/<app>/src/main.js migrate`, as the owner) migrates first.
   */
  @IsIn(['run', 'skip'], { message: 'DB_MIGRATIONS must be run or skip' })
  DB_MIGRATIONS: 'run' | 'skip' = 'run';

  /** The role `migrate` grants the service's privileges to (read/write, append-only tables append only). */
  @Matches(/^([a-z_][a-z0-9_]{0,62})?$/, { message: 'DB_APP_ROLE must be a lower-case PostgreSQL identifier' })
  DB_APP_ROLE = '';

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

  // Managed Kafka services require TLS and SASL; the local broker needs neither (see docs/decisions.md).
  @Transform(toBoolean)
  @IsBoolean()
  KAFKA_SSL = false;

  /** A PEM file of the CA(s) that signed the brokers' certificates; empty trusts the system's CAs. */
  @ValidateIf((c: ServiceConfig) => c.KAFKA_SSL_CA !== '')
  @IsReadableFile({ message: 'KAFKA_SSL_CA must name a readable PEM file' })
  KAFKA_SSL_CA = '';

  @IsIn(['', 'plain', 'scram-sha-256', 'scram-sha-512'], {
    message: 'KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512 (or empty for no SASL)',
  })
  KAFKA_SASL_MECHANISM: '' | 'plain' | 'scram-sha-256' | 'scram-sha-512' = '';

  @ValidateIf((c: ServiceConfig) => c.KAFKA_SASL_MECHANISM !== '')
  @IsNotEmpty({ message: 'KAFKA_SASL_USERNAME is required when KAFKA_SASL_MECHANISM is set' })
  KAFKA_SASL_USERNAME = '';

  @ValidateIf((c: ServiceConfig) => c.KAFKA_SASL_MECHANISM !== '')
  @IsNotEmpty({ message: 'KAFKA_SASL_PASSWORD is required when KAFKA_SASL_MECHANISM is set' })
  KAFKA_SASL_PASSWORD = '';

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

  // Tracing (OpenTelemetry) by the standard variables; see README "Tracing". Spans are made always, so logs carry
  // trace ids; they leave the process only when an exporter is chosen.
  @Transform(toBoolean)
  @IsBoolean()
  OTEL_SDK_DISABLED = false;

  @IsIn(['none', 'otlp', 'console'], { message: 'OTEL_TRACES_EXPORTER must be none, otlp or console' })
  OTEL_TRACES_EXPORTER: 'none' | 'otlp' | 'console' = 'none';

  /** The service.name of the spans; empty uses the service's own name. */
  @Matches(/^[A-Za-z0-9._-]*$/, { message: 'OTEL_SERVICE_NAME may contain only letters, digits, ".", "_" and "-"' })
  OTEL_SERVICE_NAME = '';

  // Read by the OTLP exporter itself; checked here so a typo stops the service at start, not silently drops spans.
  @ValidateIf((c: ServiceConfig) => c.OTEL_EXPORTER_OTLP_ENDPOINT !== '')
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL' },
  )
  OTEL_EXPORTER_OTLP_ENDPOINT = '';

  @ValidateIf((c: ServiceConfig) => c.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT !== '')
  @IsUrl(
    { require_tld: false, protocols: ['http', 'https'], require_protocol: true },
    { message: 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT must be an http(s) URL' },
  )
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT = '';

  @IsIn(
    [
      'always_on',
      'always_off',
      'traceidratio',
      'parentbased_always_on',
      'parentbased_always_off',
      'parentbased_traceidratio',
    ],
    { message: 'OTEL_TRACES_SAMPLER must be one of the standard samplers (e.g. parentbased_always_on)' },
  )
  OTEL_TRACES_SAMPLER = 'parentbased_always_on';

  @Type(() => Number)
  @IsNumber({}, { message: 'OTEL_TRACES_SAMPLER_ARG must be a number between 0 and 1' })
  @Min(0)
  @Max(1)
  OTEL_TRACES_SAMPLER_ARG = 1;

  /** How long finished spans wait to be sent in one batch (ms). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(60000)
  OTEL_BSP_SCHEDULE_DELAY = 5000;
}
