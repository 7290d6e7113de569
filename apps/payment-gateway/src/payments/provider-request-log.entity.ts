import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Whether a provider call produced what was asked for. */
export type ProviderRequestOutcome = 'OK' | 'ERROR';

/**
 * One call to a provider and how it ended, for operations and audits. Holds no request or answer bodies: those
 * carry signatures, and keys must never reach a table.
 */
@Entity({ name: 'provider_request_log' })
export class ProviderRequestLogEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ type: 'varchar', length: 20 })
  provider!: string;

  /** What was asked, e.g. "create-payment:qr". */
  @Column({ type: 'varchar', length: 50 })
  operation!: string;

  @Column({ name: 'order_no', type: 'varchar', length: 32 })
  orderNo!: string;

  @Column({ name: 'payment_id', type: 'uuid', nullable: true })
  paymentId!: string | null;

  @Column({ type: 'varchar', length: 10 })
  status!: ProviderRequestOutcome;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs!: number;

  @Column({ name: 'error_code', type: 'varchar', length: 64, nullable: true })
  errorCode!: string | null;

  /** The ProviderError message, which by its contract names the broken rule and never key material. */
  @Column({ name: 'error_message', type: 'varchar', length: 500, nullable: true })
  errorMessage!: string | null;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
