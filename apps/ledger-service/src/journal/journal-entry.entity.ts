import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** Which side of an account an entry is booked on. */
export type EntrySide = 'debit' | 'credit';

/**
 * One line of a journal transaction. amount is a bigint of minor units, which the pg driver returns as a string:
 * it is read through toSafeAmount, never Number() blindly.
 */
@Entity({ name: 'journal_entries' })
export class JournalEntryEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'transaction_id', type: 'uuid' })
  transactionId!: string;

  @Column({ name: 'account_code', type: 'varchar', length: 100 })
  accountCode!: string;

  @Column({ type: 'varchar', length: 6 })
  side!: EntrySide;

  @Column({ type: 'bigint' })
  amount!: string;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
