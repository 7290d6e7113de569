import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

/** Most lines one order may have. */
export const MAX_ORDER_LINES = 50;

/** One requested line: which product and how many. Prices never come from the client. */
export class OrderItemDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(999)
  quantity!: number;
}

/** Body of POST /internal/v1/orders; customerId is the user the api-gateway authenticated. */
export class CreateOrderDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  customerId!: string;

  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(MAX_ORDER_LINES)
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items!: OrderItemDto[];

  /**
   * The api-gateway's digest of the caller's Idempotency-Key: a second request with it answers the order the
   * first one created, even when the first answer was lost on the way back.
   */
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/, { message: 'requestKey must be 64 lower-case hex digits' })
  requestKey?: string;
}
