import { ApiBearerAuth, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors, ApiIdempotencyKey } from '../openapi/api-docs';
import { OrderDetailsResponse, OrderPageResponse, OrderResponse, PaymentStartedResponse } from './order.responses';
import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AuthGuard, CurrentPrincipal, Roles } from '../auth/auth.guard';
import type { Principal } from '../auth/jwt';
import { CancelOrderDto, CreateOrderDto, ListOrdersQuery, OrderNoParams, StartPaymentDto } from './order.dto';
import { OrdersService } from './orders.service';

/** The customer's orders: create, list, read, pay, cancel. */
@ApiTags('orders')
@ApiBearerAuth()
@ApiErrors({ 401: undefined, 403: undefined })
@Controller('api/v1/orders')
@UseGuards(AuthGuard)
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @Roles('customer')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Create an order (customer); prices come from the catalog' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: OrderResponse })
  @ApiErrors({
    400: 'VALIDATION_FAILED, UNKNOWN_SKU, INVALID_IDEMPOTENCY_KEY',
    409: 'IDEMPOTENCY_KEY_IN_USE',
    422: 'IDEMPOTENCY_KEY_REUSED',
    502: 'UPSTREAM_ERROR',
  })
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateOrderDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<OrderResponse> {
    return this.orders.create(principal, dto, idempotencyKey);
  }

  @Get()
  @Roles('customer')
  @ApiOperation({ summary: "The customer's orders, newest first, paged" })
  @ApiOkResponse({ type: OrderPageResponse })
  @ApiErrors({ 400: 'VALIDATION_FAILED', 502: 'UPSTREAM_ERROR' })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListOrdersQuery): Promise<OrderPageResponse> {
    return this.orders.list(principal, query);
  }

  @Get(':orderNo')
  @Roles('customer', 'admin')
  @ApiOperation({ summary: "One order with its timeline, payments and refunds (another customer's is a 404)" })
  @ApiOkResponse({ type: OrderDetailsResponse })
  @ApiErrors({ 400: 'VALIDATION_FAILED', 404: 'ORDER_NOT_FOUND', 502: 'UPSTREAM_ERROR' })
  details(@CurrentPrincipal() principal: Principal, @Param() params: OrderNoParams): Promise<OrderDetailsResponse> {
    return this.orders.details(principal, params.orderNo);
  }

  @Post(':orderNo/payments')
  @Roles('customer')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Start paying an order at a provider: a QR code, a redirect, a form or a checkout URL' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: PaymentStartedResponse })
  @ApiErrors({
    400: 'VALIDATION_FAILED, PROVIDER_DISABLED, PROVIDER_METHOD_UNSUPPORTED',
    404: 'ORDER_NOT_FOUND',
    409: 'ORDER_NOT_PAYABLE',
    502: 'UPSTREAM_ERROR, PROVIDER_UNAVAILABLE, PROVIDER_TIMEOUT, PROVIDER_REJECTED',
  })
  pay(
    @CurrentPrincipal() principal: Principal,
    @Param() params: OrderNoParams,
    @Body() dto: StartPaymentDto,
  ): Promise<PaymentStartedResponse> {
    return this.orders.startPayment(principal, params.orderNo, dto);
  }

  /** The owning customer, or an admin, cancels an order still waiting for payment. */
  @Post(':orderNo/cancel')
  @Roles('customer', 'admin')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Cancel an order still waiting for payment (owner or admin)' })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: OrderResponse })
  @ApiErrors({ 400: 'VALIDATION_FAILED', 404: 'ORDER_NOT_FOUND', 409: 'INVALID_TRANSITION', 502: 'UPSTREAM_ERROR' })
  cancel(
    @CurrentPrincipal() principal: Principal,
    @Param() params: OrderNoParams,
    @Body() dto: CancelOrderDto,
  ): Promise<OrderResponse> {
    return this.orders.cancel(principal, params.orderNo, dto);
  }
}
