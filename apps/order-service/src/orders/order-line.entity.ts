import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One line of an order, with the product's name and price copied at order time. Amounts are bigint strings. */
@Entity({ name: 'order_lines' })
export class OrderLineEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'order_id', type: 'bigint' })
  orderId!: string;

  /** The line's position in the request (0-based), so the order reads back as it was placed. */
  @Column({ name: 'line_no', type: 'smallint' })
  lineNo!: number;

  @Column({ type: 'varchar', length: 64 })
  sku!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'integer' })
  quantity!: number;

  @Column({ name: 'unit_amount', type: 'bigint' })
  unitAmount!: string;

  @Column({ name: 'line_amount', type: 'bigint' })
  lineAmount!: string;
}
