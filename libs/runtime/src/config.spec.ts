import { IsNotEmpty, IsString, Matches } from 'class-validator';
import { ConfigError, loadConfig } from './config';
import { ServiceConfig } from './service-config';

class ExampleConfig extends ServiceConfig {
  override PORT = 3999;

  @IsString()
  @IsNotEmpty()
  API_SECRET = '';
}

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(ExampleConfig, 'example', env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies defaults and converts numbers and booleans', () => {
    const config = loadConfig(ExampleConfig, 'example', { API_SECRET: 's', DB_PORT: '6543', DB_SSL: 'true' });
    expect(config).toBeInstanceOf(ExampleConfig);
    expect(config.PORT).toBe(3999);
    expect(config.DB_PORT).toBe(6543);
    expect(config.DB_SSL).toBe(true);
    expect(config.KAFKA_BROKERS).toBe('127.0.0.1:9092');
    expect(config.NODE_ENV).toBe('development');
  });

  it('treats empty strings as unset, so defaults still apply', () => {
    const config = loadConfig(ExampleConfig, 'example', { API_SECRET: 's', PORT: '', LOG_LEVEL: '  ' });
    expect(config.PORT).toBe(3999);
    expect(config.LOG_LEVEL).toBe('info');
  });

  it('keeps an empty value for the variables a schema lists in keepEmpty (empty is a value there)', () => {
    class WithList extends ExampleConfig {
      static readonly keepEmpty = ['AUTO_LIST'];
      @IsString()
      AUTO_LIST = 'A,B';
    }
    expect(loadConfig(WithList, 'example', { API_SECRET: 's', AUTO_LIST: '' }).AUTO_LIST).toBe('');
    expect(loadConfig(WithList, 'example', { API_SECRET: 's' }).AUTO_LIST).toBe('A,B');
  });

  it('names every bad or missing variable at once', () => {
    const problems = problemsOf({
      PORT: 'eighty',
      DB_PORT: '70000',
      NODE_ENV: 'staging',
      KAFKA_BROKERS: 'kafka',
      DB_NAME: 'Shop-Orders',
    });
    const named = problems.map((p) => p.split(':')[0]);
    expect(new Set(named)).toEqual(new Set(['PORT', 'DB_PORT', 'NODE_ENV', 'KAFKA_BROKERS', 'DB_NAME', 'API_SECRET']));
    expect(problems.find((p) => p.startsWith('PORT'))).toContain('got "eighty"');
    expect(problems.find((p) => p.startsWith('API_SECRET'))).toContain('not set');
  });

  it('requires MANAGEMENT_PORT, DB_PASSWORD and INTERNAL_TOKEN in production only', () => {
    expect(problemsOf({ API_SECRET: 's', NODE_ENV: 'production' })).toEqual([
      'MANAGEMENT_PORT: MANAGEMENT_PORT is required when NODE_ENV=production (health and metrics apart from PORT) (not set)',
      'DB_PASSWORD: DB_PASSWORD is required when NODE_ENV=production (not set)',
      'INTERNAL_TOKEN: INTERNAL_TOKEN must be at least 32 characters (required when NODE_ENV=production) (not set)',
    ]);
    expect(problemsOf({ API_SECRET: 's', NODE_ENV: 'test', INTERNAL_TOKEN: 'short' })).toEqual([
      'INTERNAL_TOKEN: INTERNAL_TOKEN must be at least 32 characters (required when NODE_ENV=production) (value hidden)',
    ]);
    expect(() => loadConfig(ExampleConfig, 'example', { API_SECRET: 's', NODE_ENV: 'test' })).not.toThrow();
  });

  it('never echoes the value of a secret-looking variable, even when it is wrong', () => {
    class WithWebhookSecret extends ServiceConfig {
      @Matches(/^whsec_/)
      WEBHOOK_SECRET = '';
    }
    let message = '';
    try {
      loadConfig(WithWebhookSecret, 'example', { WEBHOOK_SECRET: 'hunter2', DB_PORT: 'x' });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain('WEBHOOK_SECRET');
    expect(message).toContain('value hidden');
    expect(message).not.toContain('hunter2');
    expect(message).toContain('DB_PORT');
  });

  it('names every Kafka security problem at once and never echoes the password', () => {
    const problems = problemsOf({
      API_SECRET: 's',
      KAFKA_SSL: 'yes-please',
      KAFKA_SSL_CA: '/nonexistent/ca.pem',
      KAFKA_SASL_MECHANISM: 'gssapi',
    }).join('\n');
    expect(problems).toContain('KAFKA_SSL');
    expect(problems).toContain('KAFKA_SSL_CA must name a readable PEM file');
    expect(problems).toContain('KAFKA_SASL_MECHANISM must be one of plain, scram-sha-256, scram-sha-512');

    const missing = problemsOf({
      API_SECRET: 's',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_PASSWORD: 'hunter2-secret',
    });
    expect(missing.join('\n')).toContain('KAFKA_SASL_USERNAME is required when KAFKA_SASL_MECHANISM is set');
    expect(missing.join('\n')).not.toContain('hunter2-secret');
  });

  it('reads the standard OTEL_* variables: tracing off by default, and a typo stops the service at start', () => {
    const defaults = loadConfig(ExampleConfig, 'example', { API_SECRET: 's' });
    expect(defaults.OTEL_TRACES_EXPORTER).toBe('none');
    expect(defaults.OTEL_TRACES_SAMPLER).toBe('parentbased_always_on');

    const on = loadConfig(ExampleConfig, 'example', {
      API_SECRET: 's',
      OTEL_TRACES_EXPORTER: 'otlp',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector:4318',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    });
    expect(on.OTEL_TRACES_SAMPLER_ARG).toBe(0.25);

    const problems = problemsOf({
      API_SECRET: 's',
      OTEL_TRACES_EXPORTER: 'jaeger',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'otel-collector:4318',
      OTEL_TRACES_SAMPLER_ARG: '2',
    }).join('\n');
    expect(problems).toContain('OTEL_TRACES_EXPORTER must be none, otlp or console');
    expect(problems).toContain('OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL');
    expect(problems).toContain('OTEL_TRACES_SAMPLER_ARG');
  });
});
