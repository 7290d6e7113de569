import { type BeforeApplicationShutdown, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { OrderCancelledV1, Topics, deterministicEventId } from '@shop/contracts';
import { MessagingService, addToOutbox } from '@shop/messaging';
import { OrderServiceConfig } from '../order-service.config';
import { OrdersRepository } from '../orders/orders.repository';
import { ORDER_SERVICE } from '../orders/orders.service';

/** Orders cancelled per transaction; a full batch is followed at once by the next one. */
export const EXPIRY_BATCH_SIZE = 100;

interface OverdueOrder {
  id: string;
  order_no: string;
  customer_id: string;
}

/**
 * Cancels orders left unpaid longer than ORDER_PAYMENT_TIMEOUT_SECONDS. Driven by the database, not by timers
 * per order: a restart loses nothing (the next sweep finds what is overdue), and replicas share the work through
 * FOR UPDATE SKIP LOCKED, so each order is expired by exactly one of them.
 */
@Injectable()
export class OrderExpiryService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(OrderExpiryService.name);
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopping = false;

  constructor(
    private readonly dataSource: DataSource,
    private readonly orders: OrdersRepository,
    private readonly messaging: MessagingService,
    private readonly config: OrderServiceConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.schedule(this.config.EXPIRY_SWEEP_INTERVAL_MS);
  }

  // Before the DataSource closes: no new sweep starts, and the one in flight finishes its transaction (a batch
  // is committed whole or not at all, so there is never half a batch either way).
  async beforeApplicationShutdown(): Promise<void> {
    this.stopping = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.running;
  }

  /** One batch in one transaction; returns the order numbers it expired. Public for tests and tools. */
  async expireBatch(): Promise<string[]> {
    const expired = await this.dataSource.transaction((manager) => this.expireIn(manager));
    if (expired.length > 0) {
      this.messaging.nudgeRelay();
      this.logger.log({ count: expired.length, orderNos: expired, msg: 'expired unpaid orders' });
    }
    return expired;
  }

  private schedule(delayMs: number): void {
    if (this.stopping) return;
    this.timer = setTimeout(() => {
      this.running = this.sweep().finally(() => {
        this.running = undefined;
      });
    }, delayMs);
    this.timer.unref();
  }

  private async sweep(): Promise<void> {
    let full = false;
    try {
      full = (await this.expireBatch()).length === EXPIRY_BATCH_SIZE;
    } catch (error) {
      // The transaction rolled back: every order of the batch is still PENDING_PAYMENT for the next sweep.
      this.logger.error({ err: error, msg: 'order expiry sweep failed; retrying at the next interval' });
    }
    this.schedule(full ? 0 : this.config.EXPIRY_SWEEP_INTERVAL_MS);
  }

  private async expireIn(manager: EntityManager): Promise<string[]> {
    // SKIP LOCKED: rows another replica (or a payment being applied) holds are left to it, never waited for.
    // A payment that commits first moves the order out of PENDING_PAYMENT, so it is not selected at all.
    const overdue: OverdueOrder[] = await manager.query(
      `SELECT id, order_no, customer_id FROM orders
       WHERE status = 'PENDING_PAYMENT' AND created_at < now() - make_interval(secs => $1)
       ORDER BY created_at, id LIMIT $2 FOR UPDATE SKIP LOCKED`,
      [this.config.ORDER_PAYMENT_TIMEOUT_SECONDS, EXPIRY_BATCH_SIZE],
    );
    const cancelledAt = new Date();
    const expired: string[] = [];
    for (const order of overdue) {
      // Conditional on the status as well as the lock, so even a code path without the lock cannot expire twice.
      const moved = await this.orders.transition(manager, order.order_no, 'PENDING_PAYMENT', 'CANCELLED', {
        cancelled_at: cancelledAt,
        cancel_reason: 'expired',
      });
      if (!moved) continue;
      await this.orders.addTimelineEntry(manager, order.id, 'expired', {
        reason: 'expired',
        timeoutSeconds: this.config.ORDER_PAYMENT_TIMEOUT_SECONDS,
      });
      const payload: OrderCancelledV1 = {
        orderNo: order.order_no,
        customerId: order.customer_id,
        reason: 'expired',
        cancelledAt: cancelledAt.toISOString(),
      };
      await addToOutbox(manager, ORDER_SERVICE, {
        topic: Topics.OrderCancelled,
        type: OrderCancelledV1.type,
        version: OrderCancelledV1.version,
        key: order.order_no,
        // An order is cancelled once: a deterministic id makes any repeat a no-op in the outbox and inboxes.
        eventId: deterministicEventId(ORDER_SERVICE, order.order_no, OrderCancelledV1.type),
        payload,
      });
      expired.push(order.order_no);
    }
    return expired;
  }
}
