export { createKafka, kafkaSettings, kafkaSettingsFromEnv, physicalName } from './kafka-client';
export type { KafkaSettings, KafkaVariables } from './kafka-client';
export { ensureTopics } from './topic-admin';
export { OutboxEventEntity } from './outbox-event.entity';
export { InboxEventEntity } from './inbox-event.entity';
export { CreateMessagingTables1764201600000 } from './create-messaging-tables.migration';
export { addToOutbox, buildEnvelope, outboxRow } from './outbox';
export type { OutgoingEvent } from './outbox';
export { recordInInbox } from './inbox';
export { OutboxRelay } from './outbox-relay';
export type { OutboxRelayOptions } from './outbox-relay';
export { ConsumerRunner } from './consumer-runner';
export type {
  ConsumedEvent,
  ConsumerRunnerOptions,
  EventHandler,
  SharedTransactionOptions,
  StuckPartition,
} from './consumer-runner';
export { PermanentFailureError, classifyFailure } from './failure-classification';
export type { FailureKind } from './failure-classification';
export { createConsumerMetrics } from './consumer-metrics';
export type { ConsumerMetrics } from './consumer-metrics';
export { KAFKA_SETTINGS, MessagingService } from './messaging.service';
export { MessagingModule } from './messaging.module';
export {
  KafkaEventContext,
  KafkaEventTransport,
  SHARED_TRANSACTION,
  connectEventHandlers,
} from './kafka-event.transport';
export {
  DEAD_LETTER_REPLAY_GROUP,
  deadLetterSummary,
  deadLetterTopic,
  readDeadLetters,
  replayDeadLetters,
} from './dead-letters';
export type { DeadLetter, ReplayResult } from './dead-letters';
