import { Kafka, logLevel, type KafkaConfig, type LogEntry } from 'kafkajs';
import type { Logger } from 'pino';

/** What a service needs to reach Kafka; built from KAFKA_BROKERS and KAFKA_TOPIC_PREFIX. */
export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  /** Prepended to every topic and group id so runs (tests, tenants) can share a cluster in isolation. */
  topicPrefix: string;
}

/** Reads the Kafka settings from a service's validated config. */
export function kafkaSettings(
  config: { KAFKA_BROKERS: string; KAFKA_TOPIC_PREFIX: string },
  clientId: string,
): KafkaSettings {
  return {
    brokers: config.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    clientId,
    topicPrefix: config.KAFKA_TOPIC_PREFIX,
  };
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
  return new Kafka({
    clientId: settings.clientId,
    brokers: settings.brokers,
    connectionTimeout: 3000,
    requestTimeout: 30000,
    retry: { initialRetryTime: 300, retries: 8 },
    logLevel: logger ? logLevel.INFO : logLevel.NOTHING,
    logCreator: pinoLogCreator(logger),
    ...overrides,
  });
}
