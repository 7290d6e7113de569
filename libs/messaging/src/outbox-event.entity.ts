import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';
import type { EventEnvelope } from '@shop/contracts';

/**
 * An event written in the same transaction as the state change it reports; the relay publishes it after
 * commit. event_id is unique, so a deterministic event id can be written twice and stored once.
 */
@Entity({ name: 'outbox_events' })
export class OutboxEventEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Index('uq_outbox_events_event_id', { unique: true })
  @Column({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  /** Logical topic name (without the deployment's prefix). */
  @Column({ type: 'varchar', length: 200 })
  topic!: string;

  @Column({ name: 'message_key', type: 'varchar', length: 200 })
  messageKey!: string;

  @Column({ type: 'jsonb' })
  envelope!: EventEnvelope;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'published_at', type: 'timestamptz', nullable: true })
  publishedAt!: Date | null;
}
