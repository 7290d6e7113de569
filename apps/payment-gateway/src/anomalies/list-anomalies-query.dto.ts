import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PAYMENT_ANOMALY_TYPES, type PaymentAnomalyType } from '@shop/contracts';
import { ANOMALY_STATUSES, type AnomalyStatus } from './anomaly.views';

/** Largest page GET /internal/v1/anomalies answers. */
export const MAX_ANOMALY_PAGE_SIZE = 100;

/** Query of GET /internal/v1/anomalies: optional filters and a page. */
export class ListAnomaliesQueryDto {
  @IsOptional()
  @IsIn(ANOMALY_STATUSES)
  status?: AnomalyStatus;

  @IsOptional()
  @IsIn(PAYMENT_ANOMALY_TYPES)
  type?: PaymentAnomalyType;

  // Query values arrive as strings; "abc" becomes NaN and fails IsInt with a message naming the field.
  @Type(() => Number)
  @IsInt()
  @Min(1)
  // Keeps (page - 1) * pageSize a sane OFFSET.
  @Max(1_000_000)
  page: number = 1;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_ANOMALY_PAGE_SIZE)
  pageSize: number = 20;
}
