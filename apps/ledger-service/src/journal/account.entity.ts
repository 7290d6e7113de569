import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** The kind of an account, which decides whether debits raise or lower its balance. */
export type AccountType = 'asset' | 'liability' | 'equity' | 'revenue' | 'expense';

/**
 * A ledger account such as "assets:alipay-clearing". It has no currency of its own: entries carry the
 * currency, and balances are kept per (account, currency) (see the CreateJournal migration).
 */
@Entity({ name: 'accounts' })
export class AccountEntity {
  @PrimaryColumn({ type: 'varchar', length: 100 })
  code!: string;

  @Column({ type: 'varchar', length: 10 })
  type!: AccountType;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
