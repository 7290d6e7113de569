import {
  ApiBearerAuth,
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { ApiErrors, ApiIdempotencyKey } from '../openapi/api-docs';
import { RefundResponse } from '../orders/order.responses';
import { AnomalyPageResponse, AnomalyResponse } from './admin.responses';
import { Body, Controller, Get, Headers, HttpCode, HttpStatus, Param, Post, Query, UseGuards } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PAYMENT_ANOMALY_TYPES } from '@shop/contracts';
import { AuthGuard, CurrentPrincipal, Roles } from '../auth/auth.guard';
import type { Principal } from '../auth/jwt';
import { AnomalyIdParams, DismissAnomalyDto, RefundAnomalyDto } from '../orders/order.dto';
import { refundView, requestKeyOf } from '../orders/orders.service';
import { UpstreamClient } from '../upstream/upstream.client';

/**
 * Query of GET /api/v1/admin/anomalies. Validated here as well as upstream, so a bad value is a 400 naming the
 * field before anyone is called, and only known parameters are passed on.
 */
export class ListAnomaliesQuery {
  @ApiPropertyOptional({ enum: ['REFUND_REQUIRED', 'REFUNDING', 'REFUNDED', 'REFUND_FAILED', 'DISMISSED'] })
  @IsOptional()
  @IsIn(['REFUND_REQUIRED', 'REFUNDING', 'REFUNDED', 'REFUND_FAILED', 'DISMISSED'])
  status?: string;

  @ApiPropertyOptional({ enum: PAYMENT_ANOMALY_TYPES })
  @IsOptional()
  @IsIn(PAYMENT_ANOMALY_TYPES)
  type?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;
}

/** Back-office view of payment anomalies (money that settled no order), kept by the payment-gateway. */
@ApiTags('admin')
@ApiBearerAuth()
@ApiErrors({ 401: undefined, 403: undefined })
@Controller('api/v1/admin/anomalies')
@UseGuards(AuthGuard)
@Roles('admin')
export class AdminAnomaliesController {
  constructor(private readonly upstream: UpstreamClient) {}

  /** Newest first: {"items":[...],"page","pageSize","total"}. */
  @Get()
  @ApiOperation({ summary: 'The anomaly queue, newest first, paged' })
  @ApiOkResponse({ type: AnomalyPageResponse })
  @ApiErrors({ 400: 'VALIDATION_FAILED', 502: 'UPSTREAM_ERROR' })
  async list(@Query() query: ListAnomaliesQuery): Promise<AnomalyPageResponse> {
    const { status, type, page, pageSize } = query;
    return (
      await this.upstream.call<AnomalyPageResponse>('payment-gateway', 'GET', '/internal/v1/anomalies', {
        query: { status, type, page, pageSize },
      })
    ).body;
  }

  /** Refunds the anomaly in full through the provider that took the money: 201 with the refund. */
  @Post(':id/refund')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({ summary: 'Refund an anomaly in full through the provider that took the money' })
  @ApiIdempotencyKey()
  @ApiCreatedResponse({ type: RefundResponse })
  @ApiErrors({
    400: 'VALIDATION_FAILED',
    404: 'ANOMALY_NOT_FOUND',
    409: 'ANOMALY_NOT_REFUNDABLE, IDEMPOTENCY_KEY_IN_USE',
    422: 'IDEMPOTENCY_KEY_REUSED',
    502: 'UPSTREAM_ERROR, PROVIDER_UNAVAILABLE',
  })
  async refund(
    @CurrentPrincipal() principal: Principal,
    @Param() params: AnomalyIdParams,
    @Body() dto: RefundAnomalyDto,
    @Headers('idempotency-key') idempotencyKey?: string,
  ): Promise<RefundResponse> {
    const { body } = await this.upstream.call<Parameters<typeof refundView>[0]>(
      'payment-gateway',
      'POST',
      `/internal/v1/anomalies/${params.id}/refund`,
      {
        body: {
          actor: principal.userId,
          ...(dto.reason ? { reason: dto.reason } : {}),
          ...(idempotencyKey === undefined ? {} : { requestKey: requestKeyOf(principal.userId, idempotencyKey) }),
        },
        timeoutMs: 20_000,
      },
    );
    return refundView(body);
  }

  /** Closes the anomaly without a refund (settled otherwise); the reason is kept. */
  @Post(':id/dismiss')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({ summary: 'Close an anomaly without a refund (settled otherwise); the reason is kept' })
  @ApiIdempotencyKey()
  @ApiOkResponse({ type: AnomalyResponse })
  @ApiErrors({
    400: 'VALIDATION_FAILED',
    404: 'ANOMALY_NOT_FOUND',
    409: 'ANOMALY_NOT_DISMISSIBLE',
    502: 'UPSTREAM_ERROR',
  })
  async dismiss(
    @CurrentPrincipal() principal: Principal,
    @Param() params: AnomalyIdParams,
    @Body() dto: DismissAnomalyDto,
  ): Promise<AnomalyResponse> {
    const path = `/internal/v1/anomalies/${params.id}/dismiss`;
    return (
      await this.upstream.call<AnomalyResponse>('payment-gateway', 'POST', path, {
        body: { actor: principal.userId, reason: dto.reason },
      })
    ).body;
  }
}
