import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Something that happened to an order ("created", "paid", ...), with what is worth knowing about it. */
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

  @Column({ type: 'jsonb', nullable: true })
  detail!: Record<string, unknown> | null;
}
