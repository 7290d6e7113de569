import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { AuthGuard, Roles } from '../auth/auth.guard';
import { OrderNoParams } from '../orders/order.dto';
import { UpstreamClient } from '../upstream/upstream.client';

/** Back-office views of an order. */
@Controller('api/v1/admin/orders')
@UseGuards(AuthGuard)
@Roles('admin')
export class AdminOrdersController {
  constructor(private readonly upstream: UpstreamClient) {}

  @Get(':orderNo/ledger')
  async ledger(@Param() params: OrderNoParams): Promise<unknown> {
    return (await this.upstream.call('ledger-service', 'GET', `/internal/v1/orders/${params.orderNo}/ledger`)).body;
  }
}
