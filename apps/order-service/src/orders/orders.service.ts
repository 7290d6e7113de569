import { HttpStatus, Injectable } from '@nestjs/common';
import { DataSource, QueryFailedError } from 'typeorm';
import { OrderCreatedV1, Topics, deterministicEventId } from '@shop/contracts';
import { MessagingService, outboxRow } from '@shop/messaging';
import { CatalogService } from '../catalog/catalog.service';
import { OrderServiceConfig } from '../order-service.config';
import type { CreateOrderDto } from './create-order.dto';
import type { ListOrdersQueryDto } from './list-orders-query.dto';
import type { SearchOrdersQueryDto } from './search-orders-query.dto';
import { newOrderNo } from './order-number';
import { OrderError } from './order.error';
import type { OrderDetailsView, OrderPageView } from './order.views';
import { OrdersRepository, type OrderParts, type OrderRecord } from './orders.repository';
import { assertDistinctSkus, priceItems } from './pricing';

/** The name this service signs its events with (the envelope's producer). */
export const ORDER_SERVICE = 'order-service';

// A fresh number after a collision; three collisions in a row of 50 random bits would mean a broken generator.
const ORDER_NO_ATTEMPTS = 3;

function isUniqueViolation(error: unknown, constraint: string): boolean {
  return (
    error instanceof QueryFailedError &&
    (error as { code?: string; constraint?: string }).code === '23505' &&
    (error as { constraint?: string }).constraint === constraint
  );
}

/** Creates orders from the catalog's prices and reads them back, for one customer or for the system. */
@Injectable()
export class OrdersService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly catalog: CatalogService,
    private readonly orders: OrdersRepository,
    private readonly messaging: MessagingService,
    private readonly config: OrderServiceConfig,
  ) {}

  /**
   * Prices the items from the catalog (never from the client) and stores, in one transaction, the order, its
   * lines, its "created" timeline entry and the OrderCreated event. A refused request stores nothing.
   */
  async createOrder(request: CreateOrderDto): Promise<OrderDetailsView> {
    // Checked before any database work: a duplicate is wrong whatever the catalog says.
    assertDistinctSkus(request.items);
    const earlier = await this.orderOfRequest(request);
    if (earlier) return earlier;
    for (let attempt = 1; ; attempt++) {
      try {
        const order = await this.insertOrder(request, newOrderNo());
        this.messaging.nudgeRelay();
        return order;
      } catch (error) {
        if (attempt < ORDER_NO_ATTEMPTS && isUniqueViolation(error, 'uq_orders_order_no')) continue;
        // The same request key raced in twice: the other one created the order.
        if (isUniqueViolation(error, 'uq_orders_customer_request_key')) return (await this.orderOfRequest(request))!;
        throw error;
      }
    }
  }

  /** The order an earlier request with the same request key created, if any. */
  private async orderOfRequest(request: CreateOrderDto): Promise<OrderDetailsView | undefined> {
    if (request.requestKey === undefined) return undefined;
    const manager = this.dataSource.manager;
    const orderNo = await this.orders.orderNoOfRequest(manager, request.customerId, request.requestKey);
    return orderNo === undefined ? undefined : this.getOrder(orderNo);
  }

  /**
   * One order with its lines and timeline. Given a customerId, another customer's order is "not found", exactly
   * like an order that does not exist, so order numbers cannot be probed.
   */
  async getOrder(orderNo: string, customerId?: string): Promise<OrderDetailsView> {
    const found = await this.orders.findWithParts(this.dataSource.manager, orderNo);
    if (!found || (customerId !== undefined && found.order.customerId !== customerId)) {
      throw OrderError.notFound(orderNo);
    }
    return this.view(found.order, found.parts);
  }

  /** One page of a customer's orders, newest first. */
  async listOrders(query: ListOrdersQueryDto): Promise<OrderPageView> {
    const { items, total } = await this.orders.pageOfCustomer(
      this.dataSource.manager,
      query.customerId,
      (query.page - 1) * query.pageSize,
      query.pageSize,
    );
    return { items, page: query.page, pageSize: query.pageSize, total };
  }

  /** The admin search: one page of the orders matching every given filter, newest first. */
  async searchOrders(query: SearchOrdersQueryDto): Promise<OrderPageView> {
    if (query.from !== undefined && query.to !== undefined && query.from >= query.to) {
      throw new OrderError('INVALID_DATE_RANGE', 'from must be before to', HttpStatus.BAD_REQUEST, {
        from: query.from.toISOString(),
        to: query.to.toISOString(),
      });
    }
    const { page, pageSize, ...filter } = query;
    const { items, total } = await this.orders.search(this.dataSource.manager, filter, (page - 1) * pageSize, pageSize);
    return { items, page, pageSize, total };
  }

  /**
   * Prices the items, then stores the order, its lines, its "created" entry and OrderCreated in one statement
   * (OrdersRepository.create): two round trips in all, and the answer is built from what the database returned.
   * The catalog is read just before, outside the statement, as a transaction would read it (read committed).
   */
  private async insertOrder(request: CreateOrderDto, orderNo: string): Promise<OrderDetailsView> {
    const manager = this.dataSource.manager;
    const products = await this.catalog.activeProducts(
      manager,
      request.items.map((i) => i.sku),
    );
    const { lines, total } = priceItems(request.items, products);
    const payload: OrderCreatedV1 = {
      orderNo,
      customerId: request.customerId,
      totalAmount: total.amount,
      currency: total.currency,
      items: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitAmount: l.unitAmount.amount })),
    };
    const outbox = outboxRow(ORDER_SERVICE, {
      topic: Topics.OrderCreated,
      type: OrderCreatedV1.type,
      version: OrderCreatedV1.version,
      key: orderNo,
      // An order is created once: a deterministic id makes a second OrderCreated for it impossible.
      eventId: deterministicEventId(ORDER_SERVICE, orderNo, OrderCreatedV1.type),
      payload,
    });
    const { order, created } = await this.orders.create(
      manager,
      {
        orderNo,
        customerId: request.customerId,
        totalAmount: total.amount,
        currency: total.currency,
        lines,
        requestKey: request.requestKey,
      },
      { totalAmount: total.amount, currency: total.currency, lineCount: lines.length },
      outbox,
    );
    const items = lines.map((l) => ({
      sku: l.sku,
      name: l.name,
      quantity: l.quantity,
      unitAmount: l.unitAmount.amount,
      lineAmount: l.lineAmount.amount,
    }));
    return this.view(order, { items, timeline: [created], shipments: [] });
  }

  private view(order: OrderRecord, { items, timeline, shipments }: OrderParts): OrderDetailsView {
    return {
      orderNo: order.orderNo,
      status: order.status,
      customerId: order.customerId,
      totalAmount: order.totalAmount,
      currency: order.currency,
      items,
      createdAt: order.createdAt.toISOString(),
      // The same deadline the expiry sweep applies (created_at + the timeout), so a provider told to expire the
      // payment then and the sweep agree.
      paymentDueAt:
        order.status === 'PENDING_PAYMENT'
          ? new Date(order.createdAt.getTime() + this.config.ORDER_PAYMENT_TIMEOUT_SECONDS * 1000).toISOString()
          : null,
      paidAt: order.paidAt?.toISOString() ?? null,
      paymentProvider: order.paymentProvider,
      providerTransactionId: order.providerTransactionId,
      cancelledAt: order.cancelledAt?.toISOString() ?? null,
      cancelReason: order.cancelReason,
      refundedAmount: order.refundedAmount,
      shippedAt: order.shippedAt?.toISOString() ?? null,
      completedAt: order.completedAt?.toISOString() ?? null,
      shipments,
      review:
        order.reviewReason === null
          ? null
          : {
              reason: order.reviewReason,
              detail: order.reviewDetail,
              flaggedAt: order.flaggedAt?.toISOString() ?? order.createdAt.toISOString(),
            },
      timeline,
    };
  }
}
