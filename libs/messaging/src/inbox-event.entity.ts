import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** An event a consumer has applied. Its primary key is what makes redelivery harmless. */
@Entity({ name: 'inbox_events' })
export class InboxEventEntity {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  consumer!: string;

  @PrimaryColumn({ name: 'event_id', type: 'uuid' })
  eventId!: string;

  @Column({ type: 'varchar', length: 200 })
  topic!: string;

  @CreateDateColumn({ name: 'processed_at', type: 'timestamptz' })
  processedAt!: Date;
}
