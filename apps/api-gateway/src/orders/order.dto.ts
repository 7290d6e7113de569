import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { PROVIDER_NAMES } from '@shop/contracts';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsIn,
  IsInt,
  IsISO8601,
  IsOptional,
  IsUUID,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';

/** One line of a new order: what and how many. Prices come from the catalog, never from the client. */
export class OrderItemDto {
  @ApiProperty({ description: 'Catalog SKU', maxLength: 64, example: 'TEA-LONGJING-250G' })
  @IsString()
  @MaxLength(64)
  sku!: string;

  @ApiProperty({ type: 'integer', minimum: 1, maximum: 999, example: 1 })
  @IsInt()
  @Min(1)
  @Max(999)
  quantity!: number;
}

/** Body of POST /api/v1/orders. */
export class CreateOrderDto {
  @ApiProperty({ type: () => [OrderItemDto], minItems: 1, maxItems: 50 })
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => OrderItemDto)
  items!: OrderItemDto[];
}

/** Path parameter of every /orders/{orderNo} route. */
export class OrderNoParams {
  @ApiProperty({ pattern: '^[A-Za-z0-9]{8,32}$' })
  @Matches(/^[A-Za-z0-9]{8,32}$/, { message: 'orderNo must be 8 to 32 letters and digits' })
  orderNo!: string;
}

/** Query of GET /api/v1/orders. */
export class ListOrdersQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, default: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  page?: number;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 100, default: 20 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  pageSize?: number;
}

/** Body of POST /api/v1/orders/{orderNo}/payments. */
export class StartPaymentDto {
  @ApiProperty({ enum: PROVIDER_NAMES })
  @IsIn(PROVIDER_NAMES)
  provider!: string;

  @ApiProperty({
    description: 'alipay: qr | page; wechatpay: native; unionpay: page; stripe: checkout',
    maxLength: 32,
    example: 'qr',
  })
  @IsString()
  @MaxLength(32)
  method!: string;
}

/** Body of POST /api/v1/orders/{orderNo}/cancel (optional): a note for the timeline. */
export class CancelOrderDto {
  @ApiPropertyOptional({ maxLength: 200, description: 'A note for the timeline' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  note?: string;
}

/** Body of POST /api/v1/admin/orders/{orderNo}/shipments. */
export class ShipOrderDto {
  @ApiProperty({ maxLength: 64, example: 'SF Express' })
  @IsString()
  @Matches(/^[^\p{Cc}]{1,64}$/u, { message: 'carrier must be 1 to 64 printable characters' })
  @Matches(/\S/, { message: 'carrier must not be blank' })
  carrier!: string;

  @ApiProperty({ pattern: '^[A-Za-z0-9-]{4,64}$', example: 'SF1234567890' })
  @IsString()
  @Matches(/^[A-Za-z0-9-]{4,64}$/, { message: 'trackingNo must be 4 to 64 letters, digits or dashes' })
  trackingNo!: string;
}

/** Query of GET /api/v1/admin/orders: the admin search. Every filter is optional; they combine with AND. */
export class SearchOrdersQuery extends ListOrdersQuery {
  @ApiPropertyOptional({
    enum: ['PENDING_PAYMENT', 'PAID', 'CANCELLED', 'SHIPPED', 'COMPLETED', 'PARTIALLY_REFUNDED', 'REFUNDED'],
  })
  @IsOptional()
  @IsIn(['PENDING_PAYMENT', 'PAID', 'CANCELLED', 'SHIPPED', 'COMPLETED', 'PARTIALLY_REFUNDED', 'REFUNDED'])
  status?: string;

  @ApiPropertyOptional({ enum: PROVIDER_NAMES })
  @IsOptional()
  @IsIn(PROVIDER_NAMES)
  provider?: string;

  @ApiPropertyOptional({ maxLength: 128 })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  customerId?: string;

  @ApiPropertyOptional({ pattern: '^[A-Za-z0-9]{8,32}$' })
  @IsOptional()
  @Matches(/^[A-Za-z0-9]{8,32}$/, { message: 'orderNo must be 8 to 32 letters and digits' })
  orderNo?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Created at or after' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'from must be an ISO 8601 date-time' })
  from?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Created before' })
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'to must be an ISO 8601 date-time' })
  to?: string;
}

/** Body of POST /api/v1/admin/orders/{orderNo}/refunds. */
export class CreateRefundDto {
  /** Minor units (fen, cents), at most what is left of the payment. */
  @ApiProperty({
    type: 'integer',
    minimum: 1,
    description: 'Minor units (fen, cents), at most what is left of the payment',
    example: 5000,
  })
  @IsInt({ message: 'amount must be an integer number of minor units (fen, cents)' })
  @Min(1, { message: 'amount must be greater than 0' })
  @Max(Number.MAX_SAFE_INTEGER)
  amount!: number;

  @ApiProperty({ minLength: 1, maxLength: 200, example: 'damaged in transit' })
  @IsString()
  @Matches(/^[^\p{Cc}]{1,200}$/u, { message: 'reason must be 1 to 200 printable characters' })
  @Matches(/\S/, { message: 'reason must not be blank' })
  reason!: string;
}

/** Body of POST /api/v1/admin/anomalies/{id}/refund (optional). */
export class RefundAnomalyDto {
  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @Matches(/^[^\p{Cc}]{1,200}$/u, { message: 'reason must be 1 to 200 printable characters' })
  reason?: string;
}

/** Body of POST /api/v1/admin/anomalies/{id}/dismiss. */
export class DismissAnomalyDto {
  @ApiProperty({ minLength: 1, maxLength: 200 })
  @IsString()
  @Matches(/^[^\p{Cc}]{1,200}$/u, { message: 'reason must be 1 to 200 printable characters' })
  @Matches(/\S/, { message: 'reason must not be blank' })
  reason!: string;
}

/** Path parameter of /api/v1/admin/anomalies/{id}/... */
export class AnomalyIdParams {
  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'id must be an anomaly id (a UUID)' })
  id!: string;
}
