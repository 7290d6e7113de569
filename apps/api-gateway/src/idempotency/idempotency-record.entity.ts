import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/**
 * The first answer to a POST sent with an Idempotency-Key, replayed when the same caller repeats the key
 * (the Stripe model). request_hash detects a key reused with a different body.
 */
@Entity({ name: 'idempotency_records' })
export class IdempotencyRecordEntity {
  @PrimaryColumn({ name: 'caller_id', type: 'varchar', length: 128 })
  callerId!: string;

  @PrimaryColumn({ name: 'idempotency_key', type: 'varchar', length: 255 })
  idempotencyKey!: string;

  @Column({ name: 'request_hash', type: 'char', length: 64 })
  requestHash!: string;

  /** Null while the first request is still being processed. */
  @Column({ name: 'status_code', type: 'smallint', nullable: true })
  statusCode!: number | null;

  @Column({ name: 'response_body', type: 'jsonb', nullable: true })
  responseBody!: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'expires_at', type: 'timestamptz' })
  expiresAt!: Date;
}
