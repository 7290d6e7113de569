export { DEAD_LETTER_SUFFIX, TOPIC_PARTITIONS, Topics, allTopics } from './topics';
export type { TopicName } from './topics';
export { EventEnvelope } from './envelope';
export { OrderCreatedV1, OrderLineV1 } from './events/order-created.v1';
export { PaymentSucceededV1, paymentSucceededEventId } from './events/payment-succeeded.v1';
export { PROVIDER_NAMES, isProviderName } from './providers';
export type { ProviderName } from './providers';
export { deterministicEventId } from './event-id';
export { ContractViolationError, parsePayload } from './parse-payload';
export { OrderPaidV1 } from './events/order-paid.v1';
export {
  PAYMENT_ANOMALY_TYPES,
  PaymentAnomalyDetectedV1,
  paymentAnomalyEventId,
} from './events/payment-anomaly-detected.v1';
export type { PaymentAnomalyType } from './events/payment-anomaly-detected.v1';
export { ORDER_CANCEL_REASONS, OrderCancelledV1 } from './events/order-cancelled.v1';
export {
  REFUND_KINDS,
  RefundFailedV1,
  RefundNotifiedV1,
  RefundSucceededV1,
  refundNotifiedEventId,
  refundOutcomeEventId,
} from './events/refund.v1';
export type { RefundKind } from './events/refund.v1';
export { AnomalyDismissedV1, anomalyDismissedEventId } from './events/anomaly-dismissed.v1';
