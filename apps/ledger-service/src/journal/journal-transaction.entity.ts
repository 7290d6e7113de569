import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** One business event in the journal (a payment, a refund); its entries always balance per currency. */
@Entity({ name: 'journal_transactions' })
export class JournalTransactionEntity {
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  /** The id of the event that caused it; unique, so an event is posted at most once. */
  @Column({ name: 'event_id', type: 'uuid', unique: true })
  eventId!: string;

  @Column({ type: 'varchar', length: 50 })
  kind!: string;

  @Column({ name: 'order_no', type: 'varchar', length: 32, nullable: true })
  orderNo!: string | null;

  @Column({ type: 'varchar', length: 500 })
  description!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
