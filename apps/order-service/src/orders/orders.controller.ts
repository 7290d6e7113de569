import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { CreateOrderDto } from './create-order.dto';
import { CancelOrderDto, CompleteOrderDto, ShipOrderDto } from './order-action.dto';
import { OrderActionsService } from './order-actions.service';
import { SearchOrdersQueryDto } from './search-orders-query.dto';
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
  constructor(
    private readonly orders: OrdersService,
    private readonly actions: OrderActionsService,
  ) {}

  @Post()
  create(@Body() body: CreateOrderDto): Promise<OrderDetailsView> {
    return this.orders.createOrder(body);
  }

  @Get()
  list(@Query() query: ListOrdersQueryDto): Promise<OrderPageView> {
    return this.orders.listOrders(query);
  }

  /** The admin search (declared before :orderNo, which would otherwise match "search"). */
  @Get('search')
  search(@Query() query: SearchOrdersQueryDto): Promise<OrderPageView> {
    return this.orders.searchOrders(query);
  }

  @Get(':orderNo')
  get(@Param() params: OrderParamsDto, @Query() query: GetOrderQueryDto): Promise<OrderDetailsView> {
    return this.orders.getOrder(params.orderNo, query.customerId);
  }

  @Post(':orderNo/shipments')
  ship(@Param() params: OrderParamsDto, @Body() body: ShipOrderDto): Promise<OrderDetailsView> {
    return this.actions.ship(params.orderNo, body);
  }

  @Post(':orderNo/complete')
  @HttpCode(HttpStatus.OK)
  complete(@Param() params: OrderParamsDto, @Body() body: CompleteOrderDto): Promise<OrderDetailsView> {
    return this.actions.complete(params.orderNo, body);
  }

  @Post(':orderNo/cancel')
  @HttpCode(HttpStatus.OK)
  cancel(@Param() params: OrderParamsDto, @Body() body: CancelOrderDto): Promise<OrderDetailsView> {
    return this.actions.cancel(params.orderNo, body);
  }
}
