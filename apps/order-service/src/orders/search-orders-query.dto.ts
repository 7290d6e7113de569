import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { PROVIDER_NAMES } from '@shop/contracts';
import { MAX_PAGE_SIZE } from './list-orders-query.dto';
import { ORDER_STATUSES, type OrderStatus } from './order-status';

/** Query of GET /internal/v1/orders/search: the admin search. Every filter is optional; they combine with AND. */
export class SearchOrdersQueryDto {
  @IsOptional()
  @IsIn(ORDER_STATUSES)
  status?: OrderStatus;

  @IsOptional()
  @IsIn(PROVIDER_NAMES)
  provider?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  customerId?: string;

  @IsOptional()
  @Matches(/^[A-Za-z0-9]{8,32}$/, { message: 'orderNo must be 8 to 32 letters and digits' })
  orderNo?: string;

  /** Created at or after (ISO 8601). */
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'from must be an ISO 8601 date-time' })
  from?: Date;

  /** Created before (ISO 8601). */
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'to must be an ISO 8601 date-time' })
  to?: Date;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  page: number = 1;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  pageSize: number = 20;
}
