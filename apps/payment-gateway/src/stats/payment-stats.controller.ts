import { Controller, Get, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { DataSource } from 'typeorm';

export class StatsQueryDto {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1440)
  minutes = 60;
}

/** Per-minute counts for the admin dashboard. */
export interface PaymentStatsView {
  payments: { minute: string; started: number; succeeded: number }[];
  anomalies: { minute: string; type: string; count: number }[];
}

/**
 * Payments started and succeeded, and anomalies detected, per minute over the last `minutes`, read from the
 * tables that record them (no separate counters to drift from the facts).
 */
@Controller('internal/v1/payment-stats')
export class PaymentStatsController {
  constructor(private readonly dataSource: DataSource) {}

  @Get()
  async stats(@Query() query: StatsQueryDto): Promise<PaymentStatsView> {
    const since = `date_trunc('minute', now()) - make_interval(mins => $1 - 1)`;
    const [payments, anomalies] = await Promise.all([
      this.dataSource.query<{ minute: Date; started: string; succeeded: string }[]>(
        `SELECT minute, sum(started)::bigint AS started, sum(succeeded)::bigint AS succeeded FROM (
           SELECT date_trunc('minute', created_at) AS minute, count(*) AS started, 0 AS succeeded
             FROM payment_attempts WHERE created_at >= ${since} GROUP BY 1
           UNION ALL
           SELECT date_trunc('minute', succeeded_at), 0, count(*)
             FROM payment_attempts WHERE succeeded_at >= ${since} GROUP BY 1
         ) per_minute GROUP BY minute ORDER BY minute`,
        [query.minutes],
      ),
      this.dataSource.query<{ minute: Date; type: string; count: string }[]>(
        `SELECT date_trunc('minute', detected_at) AS minute, type, count(*) AS count
           FROM payment_anomalies WHERE detected_at >= ${since} GROUP BY 1, 2 ORDER BY 1, 2`,
        [query.minutes],
      ),
    ]);
    return {
      payments: payments.map((r) => ({
        minute: r.minute.toISOString(),
        started: Number(r.started),
        succeeded: Number(r.succeeded),
      })),
      anomalies: anomalies.map((r) => ({ minute: r.minute.toISOString(), type: r.type, count: Number(r.count) })),
    };
  }
}
