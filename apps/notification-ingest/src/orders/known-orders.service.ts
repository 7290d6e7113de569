import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { Topics, type OrderCreatedV1 } from '@shop/contracts';
import { recordInInbox } from '@shop/messaging';

/** The inbox name under which notification-ingest records the events it applied. */
export const INGEST_CONSUMER = 'notification-ingest';

/** An order as the callbacks need it: its total in minor units and its currency. */
export interface KnownOrder {
  readonly orderNo: string;
  readonly totalAmount: number;
  readonly currency: string;
}

/** Whether an OrderCreated event was applied now or had been applied before. */
export type RecordOrderResult = 'recorded' | 'duplicate';

/** The local projection of the order-service's orders: fed by OrderCreated, read by the callbacks. */
@Injectable()
export class KnownOrdersService {
  constructor(private readonly dataSource: DataSource) {}

  /** Records an announced order, exactly once per event (inbox) and once per order number. */
  async recordOrderCreated(eventId: string, order: OrderCreatedV1, createdAt: Date): Promise<RecordOrderResult> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await recordInInbox(manager, INGEST_CONSUMER, eventId, Topics.OrderCreated))) return 'duplicate';
      // A second event for the same order number (a re-publish under another id) changes nothing: the number,
      // total and currency of an order never change after creation.
      await manager.query(
        `INSERT INTO known_orders (order_no, total_amount, currency, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (order_no) DO NOTHING`,
        [order.orderNo, order.totalAmount, order.currency, createdAt],
      );
      return 'recorded';
    });
  }

  /** The order, or undefined when no OrderCreated for it has arrived; reads inside the caller's transaction. */
  async find(manager: EntityManager, orderNo: string): Promise<KnownOrder | undefined> {
    const rows: { order_no: string; total_amount: string; currency: string }[] = await manager.query(
      'SELECT order_no, total_amount, currency FROM known_orders WHERE order_no = $1',
      [orderNo],
    );
    const row = rows[0];
    // total_amount is checked > 0 and came from an OrderCreatedV1 integer, so it is a safe integer.
    return row && { orderNo: row.order_no, totalAmount: Number(row.total_amount), currency: row.currency };
  }
}
