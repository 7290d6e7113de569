import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { CreateRefundDto, ListRefundsQueryDto } from './refund.dto';
import type { RefundView } from './refund.views';
import { RefundsService } from './refunds.service';

/** Internal refunds for the api-gateway's admin routes. Not reachable from outside. */
@Controller('internal/v1/refunds')
export class RefundsController {
  constructor(private readonly refunds: RefundsService) {}

  /** 201 with the refund as the provider left it: SUCCEEDED, FAILED, or PENDING until a query or notification. */
  @Post()
  create(@Body() body: CreateRefundDto): Promise<RefundView> {
    return this.refunds.refundOrder(body);
  }

  @Get()
  async list(@Query() query: ListRefundsQueryDto): Promise<{ items: RefundView[] }> {
    return { items: await this.refunds.listForOrder(query.orderNo) };
  }

  @Get(':refundId')
  get(@Param('refundId', new ParseUUIDPipe()) refundId: string): Promise<RefundView> {
    return this.refunds.get(refundId);
  }
}
