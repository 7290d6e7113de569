import { Type } from 'class-transformer';
import { IsIn, IsInt, IsString, Matches, Max, Min, ValidateNested, ArrayNotEmpty } from 'class-validator';

/** One line of an order as the order-service priced it. */
export class OrderLineV1 {
  @IsString()
  sku!: string;

  @IsInt()
  @Min(1)
  @Max(999)
  quantity!: number;

  /** Minor units (fen, cents). */
  @IsInt()
  @Min(0)
  unitAmount!: number;
}

/** Payload of Topics.OrderCreated: a new order waiting for payment. */
export class OrderCreatedV1 {
  static readonly type = 'OrderCreated';
  static readonly version = 1;

  @Matches(/^[A-Za-z0-9]{8,32}$/)
  orderNo!: string;

  @IsString()
  customerId!: string;

  /** Minor units (fen, cents), computed from the catalog. */
  @IsInt()
  @Min(1)
  totalAmount!: number;

  @IsIn(['CNY', 'USD', 'EUR', 'GBP', 'HKD', 'JPY', 'KRW'])
  currency!: string;

  @ArrayNotEmpty()
  @ValidateNested({ each: true })
  @Type(() => OrderLineV1)
  items!: OrderLineV1[];
}
