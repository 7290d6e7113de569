import { HttpStatus, Injectable, Logger } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { OrderCancelledV1, Topics, deterministicEventId } from '@shop/contracts';
import { MessagingService, addToOutbox } from '@shop/messaging';
import type { CancelOrderDto, CompleteOrderDto, ShipOrderDto } from './order-action.dto';
import { OrderError } from './order.error';
import type { OrderDetailsView } from './order.views';
import { OrdersRepository, type OrderRecord } from './orders.repository';
import { ORDER_SERVICE, OrdersService } from './orders.service';
import { canTransition, type OrderStatus } from './order-status';

/**
 * What people do to orders after they are placed: ship, complete, cancel. Each action is one transaction that
 * locks the order, checks the transition table, moves the order, and appends a timeline entry naming the actor
 * (the audit trail); cancellation also puts OrderCancelled in the outbox so the payment-gateway closes the open
 * provider trades.
 */
@Injectable()
export class OrderActionsService {
  private readonly logger = new Logger(OrderActionsService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly orders: OrdersRepository,
    private readonly ordersService: OrdersService,
    private readonly messaging: MessagingService,
  ) {}

  /**
   * Records a parcel and moves the order to SHIPPED (from PAID or PARTIALLY_REFUNDED). The same parcel sent again
   * for an order already SHIPPED is answered as before and adds nothing.
   */
  async ship(orderNo: string, request: ShipOrderDto): Promise<OrderDetailsView> {
    return this.act(orderNo, async (manager, order) => {
      const shippedAt = new Date();
      if (order.status === 'SHIPPED') {
        const added = await this.orders.addShipment(manager, order.id, {
          ...request,
          shippedBy: request.actor,
          shippedAt,
        });
        if (!added) return; // the same parcel again: nothing new
        await this.orders.addTimelineEntry(manager, order.id, 'shipped', parcel(request), request.actor);
        return;
      }
      this.assertMove(order, 'SHIPPED', 'ORDER_NOT_SHIPPABLE', 'only PAID or PARTIALLY_REFUNDED orders can be shipped');
      await this.orders.addShipment(manager, order.id, { ...request, shippedBy: request.actor, shippedAt });
      await this.move(manager, order, 'SHIPPED', { shipped_at: shippedAt });
      await this.orders.addTimelineEntry(manager, order.id, 'shipped', parcel(request), request.actor);
    });
  }

  /** SHIPPED (or PARTIALLY_REFUNDED after a shipment) -> COMPLETED: the customer has the goods. */
  async complete(orderNo: string, request: CompleteOrderDto): Promise<OrderDetailsView> {
    return this.act(orderNo, async (manager, order) => {
      this.assertMove(order, 'COMPLETED', 'ORDER_NOT_COMPLETABLE', 'only SHIPPED orders can be completed');
      if (order.shippedAt === null) {
        throw new OrderError(
          'ORDER_NOT_COMPLETABLE',
          `order ${order.orderNo} has not been shipped; only SHIPPED orders can be completed`,
          HttpStatus.CONFLICT,
        );
      }
      await this.move(manager, order, 'COMPLETED', { completed_at: new Date() });
      await this.orders.addTimelineEntry(manager, order.id, 'completed', null, request.actor);
    });
  }

  /**
   * PENDING_PAYMENT -> CANCELLED by the customer who owns the order or by an admin, with OrderCancelled in the
   * same transaction: the payment-gateway closes the open provider trades, and a payment that still arrives is a
   * LATE_PAYMENT, refunded like any other.
   */
  async cancel(orderNo: string, request: CancelOrderDto): Promise<OrderDetailsView> {
    const view = await this.act(
      orderNo,
      async (manager, order) => {
        this.assertMove(order, 'CANCELLED', 'ORDER_NOT_CANCELLABLE', 'only PENDING_PAYMENT orders can be cancelled');
        const cancelledAt = new Date();
        await this.move(manager, order, 'CANCELLED', { cancelled_at: cancelledAt, cancel_reason: request.by });
        await this.orders.addTimelineEntry(
          manager,
          order.id,
          'cancelled',
          { reason: request.by, ...(request.note ? { note: request.note } : {}) },
          request.actor,
        );
        const payload: OrderCancelledV1 = {
          orderNo: order.orderNo,
          customerId: order.customerId,
          reason: request.by,
          cancelledAt: cancelledAt.toISOString(),
        };
        await addToOutbox(manager, ORDER_SERVICE, {
          topic: Topics.OrderCancelled,
          type: OrderCancelledV1.type,
          version: OrderCancelledV1.version,
          key: order.orderNo,
          // An order is cancelled once, whoever cancels it (expiry uses the same id): any repeat is a no-op.
          eventId: deterministicEventId(ORDER_SERVICE, order.orderNo, OrderCancelledV1.type),
          payload,
        });
      },
      request.customerId,
    );
    this.messaging.nudgeRelay();
    this.logger.log({ orderNo, by: request.by, msg: 'order cancelled' });
    return view;
  }

  /** Locks the order, runs the action, and answers the order as it is after the commit. */
  private async act(
    orderNo: string,
    action: (manager: EntityManager, order: OrderRecord) => Promise<void>,
    customerId?: string,
  ): Promise<OrderDetailsView> {
    await this.dataSource.transaction(async (manager) => {
      const order = await this.orders.find(manager, orderNo, { forUpdate: true });
      if (!order || (customerId !== undefined && order.customerId !== customerId)) throw OrderError.notFound(orderNo);
      await action(manager, order);
    });
    return this.ordersService.getOrder(orderNo);
  }

  private assertMove(
    order: OrderRecord,
    to: OrderStatus,
    code: 'ORDER_NOT_SHIPPABLE' | 'ORDER_NOT_COMPLETABLE' | 'ORDER_NOT_CANCELLABLE',
    rule: string,
  ): void {
    if (!canTransition(order.status, to)) {
      throw new OrderError(code, `order ${order.orderNo} is ${order.status}; ${rule}`, HttpStatus.CONFLICT, {
        status: order.status,
      });
    }
  }

  private async move(
    manager: EntityManager,
    order: OrderRecord,
    to: OrderStatus,
    changes: Parameters<OrdersRepository['transition']>[4],
  ): Promise<void> {
    // The row is locked, so the conditional UPDATE cannot miss; checked anyway, as nothing may be half-applied.
    if (!(await this.orders.transition(manager, order.orderNo, order.status, to, changes))) {
      throw new Error(`order ${order.orderNo} changed under its row lock`);
    }
  }
}

function parcel(request: ShipOrderDto): Record<string, unknown> {
  return { carrier: request.carrier, trackingNo: request.trackingNo };
}
