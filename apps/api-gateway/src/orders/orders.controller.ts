import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AuthGuard, CurrentPrincipal, Roles } from '../auth/auth.guard';
import type { Principal } from '../auth/jwt';
import { CancelOrderDto, CreateOrderDto, ListOrdersQuery, OrderNoParams, StartPaymentDto } from './order.dto';
import { OrdersService } from './orders.service';

/** The customer's orders: create, list, read, pay, cancel. */
@Controller('api/v1/orders')
@UseGuards(AuthGuard)
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @Roles('customer')
  @HttpCode(HttpStatus.CREATED)
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() dto: CreateOrderDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<unknown> {
    return this.orders.create(principal, dto, idempotencyKey);
  }

  @Get()
  @Roles('customer')
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListOrdersQuery): Promise<unknown> {
    return this.orders.list(principal, query);
  }

  @Get(':orderNo')
  @Roles('customer', 'admin')
  details(@CurrentPrincipal() principal: Principal, @Param() params: OrderNoParams): Promise<unknown> {
    return this.orders.details(principal, params.orderNo);
  }

  @Post(':orderNo/payments')
  @Roles('customer')
  @HttpCode(HttpStatus.CREATED)
  pay(
    @CurrentPrincipal() principal: Principal,
    @Param() params: OrderNoParams,
    @Body() dto: StartPaymentDto,
  ): Promise<unknown> {
    return this.orders.startPayment(principal, params.orderNo, dto);
  }

  /** The owning customer, or an admin, cancels an order still waiting for payment. */
  @Post(':orderNo/cancel')
  @Roles('customer', 'admin')
  @HttpCode(HttpStatus.OK)
  cancel(
    @CurrentPrincipal() principal: Principal,
    @Param() params: OrderNoParams,
    @Body() dto: CancelOrderDto,
  ): Promise<unknown> {
    return this.orders.cancel(principal, params.orderNo, dto);
  }
}
