/**
 * Every Kafka topic the system uses. A name carries its contract version ("...v1"): a breaking change to a
 * payload is a new topic, never an edit. Services prefix these with KAFKA_TOPIC_PREFIX (empty in production).
 */
export const Topics = {
  OrderCreated: 'orders.order-created.v1',
  OrderPaid: 'orders.order-paid.v1',
  OrderCancelled: 'orders.order-cancelled.v1',
  PaymentSucceeded: 'payments.payment-succeeded.v1',
  PaymentAnomalyDetected: 'payments.payment-anomaly-detected.v1',
  RefundSucceeded: 'payments.refund-succeeded.v1',
  RefundFailed: 'payments.refund-failed.v1',
  RefundNotified: 'payments.refund-notified.v1',
  AnomalyDismissed: 'payments.anomaly-dismissed.v1',
} as const;

export type TopicName = (typeof Topics)[keyof typeof Topics];

/** Suffix of the dead-letter topic that receives a topic's messages after their retries are used up. */
export const DEAD_LETTER_SUFFIX = '.dlq';

/** Partitions per topic: events are keyed by order number, so more partitions spread orders across consumers. */
export const TOPIC_PARTITIONS = 6;

/** Every topic and its dead-letter topic: what `npm start` and each service create before they use Kafka. */
export function allTopics(): string[] {
  return Object.values(Topics).flatMap((topic) => [topic, `${topic}${DEAD_LETTER_SUFFIX}`]);
}
