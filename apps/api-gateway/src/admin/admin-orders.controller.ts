import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiIdempotencyKey } from '../openapi/api-docs';
import { OrderDetailsResponse, OrderPageResponse, OrderResponse, RefundResponse } from '../orders/order.responses';
import { OrderLedgerResponse } from './admin.responses';
import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AuthGuard, CurrentPrincipal, Roles } from '../auth/auth.guard';
import type { Principal } from '../auth/jwt';
import { CreateRefundDto, OrderNoParams, SearchOrdersQuery, ShipOrderDto } from '../orders/order.dto';
import { OrdersService } from '../orders/orders.service';
import { UpstreamClient } from '../upstream/upstream.client';

/** The back office's orders: search, the full view, shipping, completion, and the order's ledger. */
@ApiTags('admin')
@ApiBearerAuth()
@ApiErrors({ 401: undefined, 403: undefined })
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
  @ApiOperation({ summary: "Search every customer's orders (filters combine with AND), newest first, paged" })
  @ApiOkResponse({ type: OrderPageResponse })
  @ApiErrors({ 400: 'VALIDATION_FAILED', 502: 'UPSTREAM_ERROR' })
  async search(@Query() query: SearchOrdersQuery): Promise<OrderPageResponse> {
    return (
      await this.upstream.call<OrderPageResponse>('order-service', 'GET', '/internal/v1/orders/search', {
        query: { ...query },
      })
    ).body;
  }

  @Get(':orderNo')
  @ApiOperation({ summary: 'The full view of an order' })
  @ApiOkResponse({ type: OrderDetailsResponse })
  @ApiErrors({ 400: 'VALIDATION_FAILED', 404: 'ORDER_NOT_FOUND', 502: 'UPSTREAM_ERROR' })
  details(@CurrentPrincipal() principal: Principal, @Param() params: OrderNoParams): Promise<OrderDetailsResponse> {
    return this.orders.details(principal, params.orderNo);
  }

  @Post(':orderNo/shipments')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Record a parcel shipped (PAID or PARTIALLY_REFUNDED orders)' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: OrderResponse })
  @ApiErrors({
    400: 'VALIDATION_FAILED',
    404: 'ORDER_NOT_FOUND',
    409: 'INVALID_TRANSITION, SHIPMENT_EXISTS',
    502: 'UPSTREAM_ERROR',
  })
  async ship(
    @CurrentPrincipal() principal: Principal,
    @Param() params: OrderNoParams,
    @Body() dto: ShipOrderDto,
  ): Promise<OrderResponse> {
    const path = `/internal/v1/orders/${params.orderNo}/shipments`;
    return (
      await this.upstream.call<OrderResponse>('order-service', 'POST', path, {
        body: { ...dto, actor: principal.userId },
      })
    ).body;
  }

  @Post(':orderNo/complete')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Mark a shipped order completed' })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: OrderResponse })
  @ApiErrors({ 400: 'VALIDATION_FAILED', 404: 'ORDER_NOT_FOUND', 409: 'INVALID_TRANSITION', 502: 'UPSTREAM_ERROR' })
  async complete(@CurrentPrincipal() principal: Principal, @Param() params: OrderNoParams): Promise<OrderResponse> {
    const path = `/internal/v1/orders/${params.orderNo}/complete`;
    return (
      await this.upstream.call<OrderResponse>('order-service', 'POST', path, { body: { actor: principal.userId } })
    ).body;
  }

  /** 201 with the refund: SUCCEEDED, FAILED, or PENDING until the provider confirms it. */
  @Post(':orderNo/refunds')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Refund part or all of an order through the provider that took the money' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({
    type: RefundResponse,
    description: 'SUCCEEDED, FAILED, or PENDING until the provider confirms',
  })
  @ApiErrors({
    400: 'VALIDATION_FAILED',
    404: 'ORDER_NOT_FOUND',
    409: 'ORDER_NOT_REFUNDABLE, REFUND_EXCEEDS_CAPTURED, IDEMPOTENCY_KEY_IN_USE',
    422: 'IDEMPOTENCY_KEY_REUSED',
    502: 'UPSTREAM_ERROR, PROVIDER_UNAVAILABLE',
  })
  refund(
    @CurrentPrincipal() principal: Principal,
    @Param() params: OrderNoParams,
    @Body() dto: CreateRefundDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<RefundResponse> {
    return this.orders.refund(principal, params.orderNo, dto, idempotencyKey);
  }

  @Get(':orderNo/ledger')
  @ApiOperation({ summary: "The order's journal entries (double entry; empty before any money moved)" })
  @ApiOkResponse({ type: OrderLedgerResponse })
  @ApiErrors({ 400: 'VALIDATION_FAILED', 502: 'UPSTREAM_ERROR' })
  async ledger(@Param() params: OrderNoParams): Promise<OrderLedgerResponse> {
    return (
      await this.upstream.call<OrderLedgerResponse>(
        'ledger-service',
        'GET',
        `/internal/v1/orders/${params.orderNo}/ledger`,
      )
    ).body;
  }
}
