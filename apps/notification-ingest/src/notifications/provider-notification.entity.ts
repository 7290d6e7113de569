import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { NotificationClassification } from './notification-classification';

/**
 * A verified provider notification exactly as it arrived, stored once per (provider, notification_key): the
 * inbox of provider callbacks. A provider's retries and replays of the same notification collapse on that key.
 * Amounts are bigints of minor units (returned by the pg driver as strings).
 */
@Entity({ name: 'provider_notifications' })
export class ProviderNotificationEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'varchar', length: 20 })
  provider!: string;

  /**
   * The provider's id of this notification, the same across its retries: Alipay notify_id, WeChat Pay notification
   * id, UnionPay queryId, Stripe event id.
   */
  @Column({ name: 'notification_key', type: 'varchar', length: 128 })
  notificationKey!: string;

  /** The body as received: what the signature covers, kept for audit and re-verification. */
  @Column({ name: 'raw_body', type: 'text' })
  rawBody!: string;

  @Column({ type: 'jsonb' })
  fields!: Record<string, string>;

  /**
   * Our order number as the provider sent it (Alipay out_trade_no, WeChat Pay out_trade_no, UnionPay orderId,
   * Stripe client_reference_id up to 200 characters); empty for a Stripe event about no order of ours.
   */
  @Column({ name: 'order_no', type: 'varchar', length: 200 })
  orderNo!: string;

  @Column({ name: 'provider_transaction_id', type: 'varchar', length: 128 })
  providerTransactionId!: string;

  /** The provider's status word: Alipay trade_status, WeChat Pay trade_state, UnionPay respCode, Stripe event type. */
  @Column({ name: 'trade_status', type: 'varchar', length: 100 })
  tradeStatus!: string;

  /** What the status means, provider-neutral: payment-succeeded, payment-closed or other. */
  @Column({ type: 'varchar', length: 32 })
  kind!: string;

  @Column({ name: 'paid_at', type: 'timestamptz', nullable: true })
  paidAt!: Date | null;

  @Column({ type: 'bigint' })
  amount!: string;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ type: 'varchar', length: 20 })
  classification!: NotificationClassification;

  /** The PaymentSucceeded event this notification confirmed, if it is a payment. */
  @Column({ name: 'event_id', type: 'uuid', nullable: true })
  eventId!: string | null;

  @Column({ name: 'received_at', type: 'timestamptz' })
  receivedAt!: Date;

  /** The peer address the callback came from. */
  @Column({ name: 'source_ip', type: 'inet', nullable: true })
  sourceIp!: string | null;

  /** The W3C traceparent of the callback, so an event written later (an adopted orphan) continues its trace. */
  @Column({ name: 'trace_parent', type: 'varchar', length: 55, nullable: true })
  traceParent!: string | null;

  /** When this orphan payment was reported as an ORPHAN_PAYMENT anomaly (see OrphanSweep); null: not reported. */
  @Column({ name: 'anomaly_reported_at', type: 'timestamptz', nullable: true })
  anomalyReportedAt!: Date | null;
}
