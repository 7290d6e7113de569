import * as fs from 'node:fs';
import { Kafka, logLevel, type KafkaConfig, type LogEntry, type SASLOptions } from 'kafkajs';
import type { Logger } from 'pino';
import { fixKafkaRequestQueue } from './kafkajs-request-queue.fix';

/** What a service needs to reach Kafka; built from the KAFKA_* variables. */
export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** Prepended to every topic and group id so runs (tests, tenants) can share a cluster in isolation. */
  topicPrefix: string;
  /** TLS to the brokers: true trusts the system CAs, { ca } trusts exactly those. Absent: plaintext. */
  ssl?: true | { ca: string };
  /** SASL over the connection (PLAIN or SCRAM); absent: none. */
  sasl?: SASLOptions;
}

/** The KAFKA_* variables, as validated by ServiceConfig (or read raw from the environment by the scripts). */
export interface KafkaVariables {
  KAFKA_BROKERS: string;
  KAFKA_TOPIC_PREFIX: string;
  KAFKA_SSL?: boolean | string;
  KAFKA_SSL_CA?: string;
  KAFKA_SASL_MECHANISM?: string;
  KAFKA_SASL_USERNAME?: string;
  KAFKA_SASL_PASSWORD?: string;
}

const SASL_MECHANISMS = ['plain', 'scram-sha-256', 'scram-sha-512'] as const;

/**
 * Reads the Kafka settings from a service's validated config, or from process.env in the scripts: one mapping,
 * so a script reaches exactly the cluster the services reach. Problems are named without echoing the password.
 */
export function kafkaSettings(config: KafkaVariables, clientId: string): KafkaSettings {
  const settings: KafkaSettings = {
    brokers: config.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    clientId,
    topicPrefix: config.KAFKA_TOPIC_PREFIX ?? '',
  };
  const sslOn = config.KAFKA_SSL === true || config.KAFKA_SSL === 'true' || config.KAFKA_SSL === '1';
  if (sslOn) {
    const caFile = config.KAFKA_SSL_CA ?? '';
    if (caFile === '') settings.ssl = true;
    else {
      try {
        settings.ssl = { ca: fs.readFileSync(caFile, 'utf8') };
      } catch (error) {
        throw new Error(`KAFKA_SSL_CA: cannot read ${caFile} (${(error as NodeJS.ErrnoException).code ?? 'error'})`, {
          cause: error,
        });
      }
    }
  }
  const mechanism = (config.KAFKA_SASL_MECHANISM ?? '').toLowerCase();
  if (mechanism !== '') {
    if (!(SASL_MECHANISMS as readonly string[]).includes(mechanism)) {
      throw new Error(`KAFKA_SASL_MECHANISM must be one of ${SASL_MECHANISMS.join(', ')}, not "${mechanism}"`);
    }
    const username = config.KAFKA_SASL_USERNAME ?? '';
    const password = config.KAFKA_SASL_PASSWORD ?? '';
    if (username === '' || password === '') {
      throw new Error('KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required when KAFKA_SASL_MECHANISM is set');
    }
    settings.sasl = { mechanism, username, password } as SASLOptions;
  }
  return settings;
}

/** The settings of a script from process.env (KAFKA_BROKERS defaults to the local broker). */
export function kafkaSettingsFromEnv(env: NodeJS.ProcessEnv, clientId: string): KafkaSettings {
  return kafkaSettings(
    {
      KAFKA_BROKERS: env.KAFKA_BROKERS || '127.0.0.1:9092',
      KAFKA_TOPIC_PREFIX: env.KAFKA_TOPIC_PREFIX ?? '',
      KAFKA_SSL: env.KAFKA_SSL,
      KAFKA_SSL_CA: env.KAFKA_SSL_CA,
      KAFKA_SASL_MECHANISM: env.KAFKA_SASL_MECHANISM,
      KAFKA_SASL_USERNAME: env.KAFKA_SASL_USERNAME,
      KAFKA_SASL_PASSWORD: env.KAFKA_SASL_PASSWORD,
    },
    clientId,
  );
}

/** The physical topic (or group) name for a logical one under the settings' prefix. */
export function physicalName(settings: Pick<KafkaSettings, 'topicPrefix'>, name: string): string {
  return settings.topicPrefix ? `${settings.topicPrefix}.${name}` : name;
}

// kafkajs is chatty at INFO (every group join); those lines go to debug, problems stay visible.
function pinoLogCreator(logger?: Logger) {
  return () =>
    ({ level, log }: LogEntry) => {
      if (!logger) return;
      // kafkajs adds its own timestamp and logger name; the pino line already has both.
      const { message, timestamp: _timestamp, logger: _logger, ...fields } = log;
      // "Response <api>" errors are protocol answers kafkajs retries by itself (a leader moving, a topic just
      // created); only a failure after its retries is an error worth an alert.
      if (level === logLevel.ERROR && !message.startsWith('Response ')) logger.error(fields, message);
      else if (level === logLevel.ERROR) logger.warn(fields, message);
      else if (level === logLevel.WARN) logger.warn(fields, message);
      else logger.debug(fields, message);
    };
}

/** Every Kafka client in the system is built here, so all services connect the same way. */
export function createKafka(settings: KafkaSettings, logger?: Logger, overrides: Partial<KafkaConfig> = {}): Kafka {
  fixKafkaRequestQueue();
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    ...(settings.ssl
      ? { ssl: settings.ssl === true ? true : { ca: [settings.ssl.ca], rejectUnauthorized: true } }
      : {}),
    ...(settings.sasl ? { sasl: settings.sasl } : {}),
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 300, retries: 8 },
    logLevel: logger ? logLevel.INFO : logLevel.NOTHING,
    logCreator: pinoLogCreator(logger),
    ...overrides,
  });
}
