import { Body, Controller, Get, Param, Post, Query } from '@nestjs/common';
import { CreateOrderDto } from './create-order.dto';
import { GetOrderQueryDto } from './get-order-query.dto';
import { ListOrdersQueryDto } from './list-orders-query.dto';
import { OrderParamsDto } from './order-params.dto';
import type { OrderDetailsView, OrderPageView } from './order.views';
import { OrdersService } from './orders.service';

/**
 * Orders over internal HTTP, for the api-gateway, which authenticates the user and passes their id as
 * customerId. Not reachable from outside.
 */
@Controller('internal/v1/orders')
export class OrdersController {
  constructor(private readonly orders: OrdersService) {}

  @Post()
  create(@Body() body: CreateOrderDto): Promise<OrderDetailsView> {
    return this.orders.createOrder(body);
  }

  @Get()
  list(@Query() query: ListOrdersQueryDto): Promise<OrderPageView> {
    return this.orders.listOrders(query);
  }

  @Get(':orderNo')
  get(@Param() params: OrderParamsDto, @Query() query: GetOrderQueryDto): Promise<OrderDetailsView> {
    return this.orders.getOrder(params.orderNo, query.customerId);
  }
}
