import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * An order the order-service announced (OrderCreated), projected locally: notification-ingest does not own
 * orders and must not call the order-service while a provider waits for its answer. total_amount is a bigint of
 * minor units, which the pg driver returns as a string.
 */
@Entity({ name: 'known_orders' })
export class KnownOrderEntity {
  @PrimaryColumn({ name: 'order_no', type: 'varchar', length: 32 })
  orderNo!: string;

  @Column({ name: 'total_amount', type: 'bigint' })
  totalAmount!: string;

  @Column({ type: 'char', length: 3 })
  currency!: string;

  /** When the order was created (the OrderCreated event's occurredAt). */
  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
