import { Type } from 'class-transformer';
import { PROVIDER_NAMES } from '@shop/contracts';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

/** One line of a new order: what and how many. Prices come from the catalog, never from the client. */
export class OrderItemDto {
  @IsString()
  @MaxLength(64)
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(999)
  quantity!: number;
}

/** Body of POST /api/v1/orders. */
export class CreateOrderDto {
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items!: OrderItemDto[];
}

/** Path parameter of every /orders/{orderNo} route. */
export class OrderNoParams {
  @Matches(/^[A-Za-z0-9]{8,32}$/, { message: 'orderNo must be 8 to 32 letters and digits' })
  orderNo!: string;
}

/** Query of GET /api/v1/orders. */
export class ListOrdersQuery {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page?: number;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;
}

/** Body of POST /api/v1/orders/{orderNo}/payments. */
export class StartPaymentDto {
  @IsIn(PROVIDER_NAMES)
  provider!: string;

  @IsString()
  @MaxLength(32)
  method!: string;
}
