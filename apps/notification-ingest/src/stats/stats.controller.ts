import { Controller, Get, Query } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { CallbackStats, type CallbackCount } from './callback-stats';

export class StatsQueryDto {
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1440)
  minutes = 60;
}

/** Callbacks per minute and outcome, for the api-gateway's admin dashboard. */
@Controller('internal/v1/callback-stats')
export class StatsController {
  constructor(private readonly stats: CallbackStats) {}

  @Get()
  async list(@Query() query: StatsQueryDto): Promise<{ items: CallbackCount[] }> {
    return { items: await this.stats.since(query.minutes) };
  }
}
