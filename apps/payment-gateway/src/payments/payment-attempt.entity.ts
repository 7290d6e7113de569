import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { PaymentMethod } from '@shop/providers';
import type { ProviderName } from '@shop/contracts';

/**
 * Where an attempt stands. Only PENDING -> SUCCEEDED, PENDING -> FAILED and PENDING -> CLOSED exist (a database trigger refuses any
 * other change), so a late or repeated event can never move an attempt backwards.
 */
export type PaymentAttemptStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED' | 'CLOSED';

/**
 * One try to collect an order's amount through one provider. Stored before the provider is called, so even a
 * timeout leaves a record. amount is a bigint of minor units, which the pg driver returns as a string.
 */
@Entity({ name: 'payment_attempts' })
export class PaymentAttemptEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'order_no', type: 'varchar', length: 32 })
  orderNo!: string;

  @Column({ type: 'varchar', length: 20 })
  provider!: ProviderName;

  @Column({ type: 'varchar', length: 10 })
  method!: PaymentMethod;

  @Column({ type: 'varchar', length: 10 })
  status!: PaymentAttemptStatus;

  @Column({ type: 'bigint' })
  amount!: string;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @Column({ type: 'varchar', length: 256 })
  subject!: string;

  /** The provider's id of the payment (Alipay trade_no); set when the attempt succeeds. */
  @Column({ name: 'provider_transaction_id', type: 'varchar', length: 128, nullable: true })
  providerTransactionId!: string | null;

  /** What the provider needs besides the order number to find the payment: UnionPay txnTime, Stripe session id. */
  @Column({ name: 'provider_reference', type: 'varchar', length: 255, nullable: true })
  providerReference!: string | null;

  /** The ProviderError code that failed the attempt, e.g. PROVIDER_UNAVAILABLE. */
  @Column({ name: 'failure_code', type: 'varchar', length: 64, nullable: true })
  failureCode!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;

  /** When the active query should ask the provider next; claimed by moving it forward. */
  @Column({ name: 'next_query_at', type: 'timestamptz', nullable: true })
  nextQueryAt!: Date | null;

  /** How often the active query asked the provider about this attempt. */
  @Column({ name: 'query_attempts', type: 'integer', default: 0 })
  queryAttempts!: number;

  /** When the attempt became CLOSED (the provider trade was closed or reported closed). */
  @Column({ name: 'closed_at', type: 'timestamptz', nullable: true })
  closedAt!: Date | null;

  /** When the provider stops accepting this payment (the lifetime sent with it); null when none was sent. */
  @Column({ name: 'provider_expires_at', type: 'timestamptz', nullable: true })
  providerExpiresAt!: Date | null;

  /** When the provider says the buyer paid (the event's paidAt). */
  @Column({ name: 'succeeded_at', type: 'timestamptz', nullable: true })
  succeededAt!: Date | null;
}
