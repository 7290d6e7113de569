import { IsIn, IsInt, IsISO8601, IsString, Matches, MaxLength, Min } from 'class-validator';
import { PROVIDER_NAMES } from '../providers';

/** Payload of Topics.OrderPaid: an order moved PENDING_PAYMENT -> PAID after a verified payment. */
export class OrderPaidV1 {
  static readonly type = 'OrderPaid';
  static readonly version = 1;

  @Matches(/^[A-Za-z0-9]{8,32}$/)
  orderNo!: string;

  @IsString()
  customerId!: string;

  @IsIn(PROVIDER_NAMES)
  provider!: string;

  @IsString()
  @MaxLength(128)
  providerTransactionId!: string;

  /** Minor units (fen, cents). */
  @IsInt()
  @Min(1)
  amount!: number;

  @IsIn(['CNY', 'USD', 'EUR', 'GBP', 'HKD', 'JPY', 'KRW'])
  currency!: string;

  @IsISO8601()
  paidAt!: string;
}
