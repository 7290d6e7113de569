import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AuthGuard, CurrentPrincipal, Roles } from '../auth/auth.guard';
import type { Principal } from '../auth/jwt';
import { CreateRefundDto, OrderNoParams, SearchOrdersQuery, ShipOrderDto } from '../orders/order.dto';
import { OrdersService } from '../orders/orders.service';
import { UpstreamClient } from '../upstream/upstream.client';

/** The back office's orders: search, the full view, shipping, completion, and the order's ledger. */
@Controller('api/v1/admin/orders')
@UseGuards(AuthGuard)
@Roles('admin')
export class AdminOrdersController {
  constructor(
    private readonly upstream: UpstreamClient,
    private readonly orders: OrdersService,
  ) {}

  /** Every customer's orders matching the filters, newest first, paged. */
  @Get()
  async search(@Query() query: SearchOrdersQuery): Promise<unknown> {
    return (await this.upstream.call('order-service', 'GET', '/internal/v1/orders/search', { query: { ...query } }))
      .body;
  }

  @Get(':orderNo')
  details(@CurrentPrincipal() principal: Principal, @Param() params: OrderNoParams): Promise<unknown> {
    return this.orders.details(principal, params.orderNo);
  }

  @Post(':orderNo/shipments')
  @HttpCode(HttpStatus.CREATED)
  async ship(
    @CurrentPrincipal() principal: Principal,
    @Param() params: OrderNoParams,
    @Body() dto: ShipOrderDto,
  ): Promise<unknown> {
    const path = `/internal/v1/orders/${params.orderNo}/shipments`;
    return (await this.upstream.call('order-service', 'POST', path, { body: { ...dto, actor: principal.userId } }))
      .body;
  }

  @Post(':orderNo/complete')
  @HttpCode(HttpStatus.OK)
  async complete(@CurrentPrincipal() principal: Principal, @Param() params: OrderNoParams): Promise<unknown> {
    const path = `/internal/v1/orders/${params.orderNo}/complete`;
    return (await this.upstream.call('order-service', 'POST', path, { body: { actor: principal.userId } })).body;
  }

  /** 201 with the refund: SUCCEEDED, FAILED, or PENDING until the provider confirms it. */
  @Post(':orderNo/refunds')
  @HttpCode(HttpStatus.CREATED)
  refund(
    @CurrentPrincipal() principal: Principal,
    @Param() params: OrderNoParams,
    @Body() dto: CreateRefundDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<unknown> {
    return this.orders.refund(principal, params.orderNo, dto, idempotencyKey);
  }

  @Get(':orderNo/ledger')
  async ledger(@Param() params: OrderNoParams): Promise<unknown> {
    return (await this.upstream.call('ledger-service', 'GET', `/internal/v1/orders/${params.orderNo}/ledger`)).body;
  }
}
