import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';

/** Query of GET /internal/v1/orders/:orderNo. With customerId, only that customer's order is found. */
export class GetOrderQueryDto {
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  customerId?: string;
}
