import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/**
 * Something that happened to an order ("created", "paid", "shipped", ...), who did it, and what is worth knowing
 * about it. Append-only: triggers refuse UPDATE, DELETE and TRUNCATE (it is the audit trail of admin actions).
 */
@Entity({ name: 'order_timeline' })
export class OrderTimelineEntryEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'order_id', type: 'bigint' })
  orderId!: string;

  @Column({ type: 'timestamptz', default: () => 'now()' })
  at!: Date;

  @Column({ type: 'varchar', length: 50 })
  event!: string;

  /** A token's subject (admin or customer), or "system" for what the services did by themselves. */
  @Column({ type: 'varchar', length: 128, default: 'system' })
  actor!: string;

  @Column({ type: 'jsonb', nullable: true })
  detail!: Record<string, unknown> | null;
}
