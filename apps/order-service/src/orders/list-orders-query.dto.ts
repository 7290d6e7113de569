import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsString, Max, MaxLength, Min } from 'class-validator';

/** Largest page GET /internal/v1/orders answers. */
export const MAX_PAGE_SIZE = 100;

/**
 * Query of GET /internal/v1/orders. customerId is required: an internal caller that forgot it must get a 400,
 * not every customer's orders.
 */
export class ListOrdersQueryDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  customerId!: string;

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
  @Max(MAX_PAGE_SIZE)
  pageSize: number = 20;
}
