import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { OrderStatus } from './order-status';

/**
 * An order. Status changes only through OrdersRepository.transition (a conditional UPDATE), never by saving
 * this entity: a save would overwrite whatever a concurrent transaction did.
 */
@Entity({ name: 'orders' })
export class OrderEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'order_no', type: 'varchar', length: 32, unique: true })
  orderNo!: string;

  @Column({ name: 'customer_id', type: 'varchar', length: 128 })
  customerId!: string;

  @Column({ type: 'varchar', length: 20 })
  status!: OrderStatus;

  @Column({ name: 'total_amount', type: 'bigint' })
  totalAmount!: string;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  @Column({ name: 'paid_at', type: 'timestamptz', nullable: true })
  paidAt!: Date | null;

  @Column({ name: 'payment_provider', type: 'varchar', length: 20, nullable: true })
  paymentProvider!: string | null;

  @Column({ name: 'provider_transaction_id', type: 'varchar', length: 128, nullable: true })
  providerTransactionId!: string | null;

  @Column({ name: 'cancelled_at', type: 'timestamptz', nullable: true })
  cancelledAt!: Date | null;

  @Column({ name: 'cancel_reason', type: 'varchar', length: 200, nullable: true })
  cancelReason!: string | null;

  /** Why a human must look at this order (e.g. AMOUNT_MISMATCH); null when nothing is wrong. */
  @Column({ name: 'review_reason', type: 'varchar', length: 50, nullable: true })
  reviewReason!: string | null;

  @Column({ name: 'review_detail', type: 'jsonb', nullable: true })
  reviewDetail!: Record<string, unknown> | null;

  @Column({ name: 'flagged_at', type: 'timestamptz', nullable: true })
  flaggedAt!: Date | null;

  /** The sum of succeeded refunds, minor units; the database keeps it within 0..total_amount. */
  @Column({ name: 'refunded_amount', type: 'bigint', default: 0 })
  refundedAmount!: string;

  @Column({ name: 'shipped_at', type: 'timestamptz', nullable: true })
  shippedAt!: Date | null;

  @Column({ name: 'completed_at', type: 'timestamptz', nullable: true })
  completedAt!: Date | null;

  /** The api-gateway's digest of the caller's Idempotency-Key; unique per customer. */
  @Column({ name: 'request_key', type: 'char', length: 64, nullable: true })
  requestKey!: string | null;
}
