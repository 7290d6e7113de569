import { Controller, Get, Query, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { AuthGuard, Roles } from '../auth/auth.guard';
import { ApiErrors } from '../openapi/api-docs';
import { UpstreamClient } from '../upstream/upstream.client';

export class AdminStatsQuery {
  @ApiProperty({ required: false, type: 'integer', minimum: 1, maximum: 1440, default: 60 })
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1440)
  minutes = 60;
}

export class PaymentsPerMinuteResponse {
  @ApiProperty({ format: 'date-time', description: 'Start of the minute' })
  minute!: string;

  @ApiProperty({ type: 'integer', description: 'Payment attempts opened at a provider' })
  started!: number;

  @ApiProperty({ type: 'integer', description: 'Payment attempts that succeeded' })
  succeeded!: number;
}

export class CallbacksPerMinuteResponse {
  @ApiProperty({ format: 'date-time' })
  minute!: string;

  @ApiProperty({ example: 'alipay' })
  provider!: string;

  @ApiProperty({ example: 'accepted', description: 'As in payment_callbacks_total: accepted, duplicate, rejected_*' })
  outcome!: string;

  @ApiProperty({ type: 'integer' })
  count!: number;
}

export class AnomaliesPerMinuteResponse {
  @ApiProperty({ format: 'date-time' })
  minute!: string;

  @ApiProperty({ enum: ['AMOUNT_MISMATCH', 'ORPHAN_PAYMENT', 'LATE_PAYMENT', 'DUPLICATE_PAYMENT'] })
  type!: string;

  @ApiProperty({ type: 'integer' })
  count!: number;
}

/** GET /api/v1/admin/stats: per-minute series, only minutes with something in them. */
export class AdminStatsResponse {
  @ApiProperty({ format: 'date-time', description: 'Start of the first minute covered (the last is the current one)' })
  from!: string;

  @ApiProperty({ type: 'integer' })
  minutes!: number;

  @ApiProperty({ type: () => [PaymentsPerMinuteResponse] })
  payments!: PaymentsPerMinuteResponse[];

  @ApiProperty({ type: () => [CallbacksPerMinuteResponse] })
  callbacks!: CallbacksPerMinuteResponse[];

  @ApiProperty({ type: () => [AnomaliesPerMinuteResponse] })
  anomalies!: AnomaliesPerMinuteResponse[];
}

/** The dashboard's numbers: payments, callbacks by outcome and anomalies per minute. */
@ApiTags('admin')
@ApiBearerAuth()
@ApiErrors({ 401: undefined, 403: undefined })
@Controller('api/v1/admin/stats')
@UseGuards(AuthGuard)
@Roles('admin')
export class AdminStatsController {
  constructor(private readonly upstream: UpstreamClient) {}

  @Get()
  @ApiOperation({ summary: 'Payments started and succeeded, callbacks by outcome and anomalies, per minute' })
  @ApiOkResponse({ type: AdminStatsResponse })
  @ApiErrors({ 400: 'VALIDATION_FAILED', 502: 'UPSTREAM_ERROR, UPSTREAM_UNAVAILABLE' })
  async stats(@Query() query: AdminStatsQuery): Promise<AdminStatsResponse> {
    // The window ends with the current minute, so it starts minutes - 1 minutes before it (as the services count).
    const from = new Date(Math.floor(Date.now() / 60_000) * 60_000 - (query.minutes - 1) * 60_000).toISOString();
    const [payments, callbacks] = await Promise.all([
      this.upstream.call<Pick<AdminStatsResponse, 'payments' | 'anomalies'>>(
        'payment-gateway',
        'GET',
        '/internal/v1/payment-stats',
        { query: { minutes: query.minutes } },
      ),
      this.upstream.call<{ items: CallbacksPerMinuteResponse[] }>(
        'notification-ingest',
        'GET',
        '/internal/v1/callback-stats',
        { query: { minutes: query.minutes } },
      ),
    ]);
    return {
      from,
      minutes: query.minutes,
      payments: payments.body.payments,
      callbacks: callbacks.body.items,
      anomalies: payments.body.anomalies,
    };
  }
}
