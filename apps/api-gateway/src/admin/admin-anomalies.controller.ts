import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PAYMENT_ANOMALY_TYPES } from '@shop/contracts';
import { AuthGuard, Roles } from '../auth/auth.guard';
import { UpstreamClient } from '../upstream/upstream.client';

/**
 * Query of GET /api/v1/admin/anomalies. Validated here as well as upstream, so a bad value is a 400 naming the
 * field before anyone is called, and only known parameters are passed on.
 */
export class ListAnomaliesQuery {
  @IsOptional()
  @IsIn(['REFUND_REQUIRED'])
  status?: string;

  @IsOptional()
  @IsIn(PAYMENT_ANOMALY_TYPES)
  type?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;
}

/** Back-office view of payment anomalies (money that settled no order), kept by the payment-gateway. */
@Controller('api/v1/admin/anomalies')
@UseGuards(AuthGuard)
@Roles('admin')
export class AdminAnomaliesController {
  constructor(private readonly upstream: UpstreamClient) {}

  /** Newest first: {"items":[...],"page","pageSize","total"}. */
  @Get()
  async list(@Query() query: ListAnomaliesQuery): Promise<unknown> {
    const { status, type, page, pageSize } = query;
    return (
      await this.upstream.call('payment-gateway', 'GET', '/internal/v1/anomalies', {
        query: { status, type, page, pageSize },
      })
    ).body;
  }
}
