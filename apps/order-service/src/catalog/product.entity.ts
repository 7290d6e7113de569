import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A product of the catalog. unit_amount is a bigint of minor units that pg returns as a string. */
@Entity({ name: 'products' })
export class ProductEntity {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  sku!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ name: 'unit_amount', type: 'bigint' })
  unitAmount!: string;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  /** Inactive products stay for the history of old orders but are neither listed nor orderable. */
  @Column({ type: 'boolean', default: true })
  active!: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
