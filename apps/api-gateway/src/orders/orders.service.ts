import type {
  OrderDetailsResponse,
  OrderPageResponse,
  OrderResponse,
  PaymentStartedResponse,
  RefundResponse,
} from './order.responses';
import { createHash } from 'node:crypto';
import { HttpStatus, Injectable } from '@nestjs/common';
import { AppError } from '@shop/runtime';
import type { Principal } from '../auth/jwt';
import { UpstreamClient } from '../upstream/upstream.client';
import type { CancelOrderDto, CreateOrderDto, CreateRefundDto, ListOrdersQuery, StartPaymentDto } from './order.dto';

/** An order as the order-service returns it (the fields the gateway relies on; the rest passes through). */
interface UpstreamOrder {
  orderNo: string;
  status: string;
  customerId: string;
  totalAmount: number;
  currency: string;
  items: { sku: string; name?: string; quantity: number }[];
  [field: string]: unknown;
}

/** A refund as the payment-gateway returns it (the fields the gateway shows). */
export interface UpstreamRefund {
  refundId: string;
  kind: 'order' | 'anomaly';
  orderNo: string;
  provider: string;
  amount: number;
  currency: string;
  status: string;
  reason: string;
  failureReason: string | null;
  createdAt: string;
  completedAt: string | null;
}

/** Statuses whose money was taken and may be given back (the order-service's transition table agrees). */
const REFUNDABLE = new Set(['PAID', 'SHIPPED', 'COMPLETED', 'PARTIALLY_REFUNDED']);

interface UpstreamPayment {
  paymentId: string;
  provider: string;
  status: string;
  providerTransactionId: string | null;
}

/** The customer-facing order flows, composed from the order-service and the payment-gateway. */
@Injectable()
export class OrdersService {
  constructor(private readonly upstream: UpstreamClient) {}

  /**
   * With an Idempotency-Key, the order-service also gets a request key derived from it: should the answer be lost
   * on the way back (a timeout), the retry finds the order created the first time instead of creating another.
   */
  async create(principal: Principal, dto: CreateOrderDto, idempotencyKey?: string): Promise<OrderResponse> {
    const { body } = await this.upstream.call<OrderResponse>('order-service', 'POST', '/internal/v1/orders', {
      body: {
        customerId: principal.userId,
        items: dto.items,
        ...(idempotencyKey === undefined ? {} : { requestKey: requestKeyOf(principal.userId, idempotencyKey) }),
      },
    });
    return body;
  }

  /** An admin cancels any order; a customer only their own (someone else's is a 404). */
  async cancel(principal: Principal, orderNo: string, dto: CancelOrderDto): Promise<OrderResponse> {
    const asAdmin = principal.roles.includes('admin');
    const { body } = await this.upstream.call<OrderResponse>(
      'order-service',
      'POST',
      `/internal/v1/orders/${orderNo}/cancel`,
      {
        body: {
          actor: principal.userId,
          by: asAdmin ? 'admin' : 'customer',
          ...(asAdmin ? {} : { customerId: principal.userId }),
          ...(dto.note ? { note: dto.note } : {}),
        },
      },
    );
    return body;
  }

  async list(principal: Principal, query: ListOrdersQuery): Promise<OrderPageResponse> {
    const { body } = await this.upstream.call<OrderPageResponse>('order-service', 'GET', '/internal/v1/orders', {
      query: { customerId: principal.userId, page: query.page, pageSize: query.pageSize },
    });
    return body;
  }

  /** A customer sees only their own orders (someone else's is a 404, as if it did not exist); admins see all. */
  async details(principal: Principal, orderNo: string): Promise<OrderDetailsResponse> {
    const order = await this.fetchOrder(principal, orderNo);
    const { body } = await this.upstream.call<{ items: UpstreamPayment[] }>(
      'payment-gateway',
      'GET',
      '/internal/v1/payments',
      { query: { orderNo } },
    );
    const payments = body.items.map(({ paymentId, provider, status, providerTransactionId }) => ({
      paymentId,
      provider,
      status,
      providerTransactionId,
    }));
    const refunds = await this.upstream.call<{ items: UpstreamRefund[] }>(
      'payment-gateway',
      'GET',
      '/internal/v1/refunds',
      {
        query: { orderNo },
      },
    );
    return {
      ...(order as unknown as OrderResponse),
      payments,
      refunds: refunds.body.items
        .filter((r) => r.kind === 'order')
        .map(({ refundId, amount, currency, status, reason, createdAt, completedAt, failureReason }) => ({
          refundId,
          amount,
          currency,
          status,
          reason,
          createdAt,
          completedAt,
          failureReason,
        })),
    };
  }

  /**
   * An admin refunds part or all of an order's payment, through the provider that took it. The order must be
   * refundable; the payment-gateway (and its database) make sure refunds never exceed what was captured.
   */
  async refund(
    principal: Principal,
    orderNo: string,
    dto: CreateRefundDto,
    idempotencyKey?: string,
  ): Promise<RefundResponse> {
    const order = await this.fetchOrder(principal, orderNo);
    if (!REFUNDABLE.has(order.status) || typeof order.providerTransactionId !== 'string') {
      throw new AppError(
        'ORDER_NOT_REFUNDABLE',
        `order ${orderNo} is ${order.status}; only paid orders (PAID, SHIPPED, COMPLETED, PARTIALLY_REFUNDED) can be refunded`,
        HttpStatus.CONFLICT,
        { status: order.status },
      );
    }
    const { body } = await this.upstream.call<UpstreamRefund>('payment-gateway', 'POST', '/internal/v1/refunds', {
      body: {
        orderNo,
        provider: order.paymentProvider,
        providerTransactionId: order.providerTransactionId,
        amount: dto.amount,
        currency: order.currency,
        reason: dto.reason,
        actor: principal.userId,
        ...(idempotencyKey === undefined ? {} : { requestKey: requestKeyOf(principal.userId, idempotencyKey) }),
      },
      // The payment-gateway waits on the provider's answer.
      timeoutMs: 20_000,
    });
    return refundView(body);
  }

  async startPayment(principal: Principal, orderNo: string, dto: StartPaymentDto): Promise<PaymentStartedResponse> {
    const order = await this.fetchOrder(principal, orderNo, true);
    if (order.status !== 'PENDING_PAYMENT') {
      throw new AppError(
        'ORDER_NOT_PAYABLE',
        `order ${orderNo} is ${order.status}; only PENDING_PAYMENT orders can be paid`,
        HttpStatus.CONFLICT,
      );
    }
    const { body } = await this.upstream.call<PaymentStartedResponse>(
      'payment-gateway',
      'POST',
      '/internal/v1/payments',
      {
        body: {
          orderNo,
          amount: order.totalAmount,
          currency: order.currency,
          subject: subjectOf(order),
          provider: dto.provider,
          method: dto.method,
          // The provider's payment expires with the order (UnionPay's cannot be closed, so this is its only end).
          ...(typeof order.paymentDueAt === 'string' ? { payBy: order.paymentDueAt } : {}),
        },
        // The payment-gateway waits on the provider (its own timeout is shorter).
        timeoutMs: 20_000,
      },
    );
    return body;
  }

  private async fetchOrder(principal: Principal, orderNo: string, ownOnly = false): Promise<UpstreamOrder> {
    const asAdmin = principal.roles.includes('admin') && !ownOnly;
    const { body } = await this.upstream.call<UpstreamOrder>('order-service', 'GET', `/internal/v1/orders/${orderNo}`, {
      query: { customerId: asAdmin ? undefined : principal.userId },
    });
    return body;
  }
}

/** The order-service's request key: one per caller and Idempotency-Key, and never the key itself. */
export function requestKeyOf(callerId: string, idempotencyKey: string): string {
  return createHash('sha256').update(`${callerId}\n${idempotencyKey}`).digest('hex');
}

/** A refund as the public API shows it. */
export function refundView(refund: UpstreamRefund): RefundResponse {
  return {
    refundId: refund.refundId,
    orderNo: refund.orderNo,
    provider: refund.provider,
    amount: refund.amount,
    currency: refund.currency,
    status: refund.status,
    reason: refund.reason,
    createdAt: refund.createdAt,
    completedAt: refund.completedAt,
    failureReason: refund.failureReason,
  };
}

function subjectOf(order: UpstreamOrder): string {
  const first = order.items[0];
  const name = first?.name ?? first?.sku ?? 'items';
  const more = order.items.length > 1 ? ` and ${order.items.length - 1} more` : '';
  return `Order ${order.orderNo}: ${name}${more}`.slice(0, 128);
}
