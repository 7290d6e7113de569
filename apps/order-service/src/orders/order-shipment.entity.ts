import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';

/** One parcel of an order; (order, carrier, tracking number) is unique, so a parcel recorded twice is one. */
@Entity({ name: 'order_shipments' })
export class OrderShipmentEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'ALWAYS' })
  id!: string;

  @Column({ name: 'order_id', type: 'bigint' })
  orderId!: string;

  @Column({ type: 'varchar', length: 64 })
  carrier!: string;

  @Column({ name: 'tracking_no', type: 'varchar', length: 64 })
  trackingNo!: string;

  @Column({ name: 'shipped_at', type: 'timestamptz' })
  shippedAt!: Date;

  /** The admin who recorded it (token subject). */
  @Column({ name: 'shipped_by', type: 'varchar', length: 128 })
  shippedBy!: string;
}
