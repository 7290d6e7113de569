import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import { AuthGuard, CurrentPrincipal, Roles } from '../auth/auth.guard';
import type { Principal } from '../auth/jwt';
import { CreateOrderDto, ListOrdersQuery, OrderNoParams, StartPaymentDto } from './order.dto';
import { OrdersService } from './orders.service';

/** The customer's orders: create, list, read, pay. */
@Controller('api/v1/orders')
@UseGuards(AuthGuard)
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  @Roles('customer')
  @HttpCode(HttpStatus.CREATED)
  create(@CurrentPrincipal() principal: Principal, @Body() dto: CreateOrderDto): Promise<unknown> {
    return this.orders.create(principal, dto);
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
}
