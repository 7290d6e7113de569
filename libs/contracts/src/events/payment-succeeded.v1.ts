import { IsIn, IsInt, IsISO8601, IsString, Matches, MaxLength, Min } from 'class-validator';
import { deterministicEventId } from '../event-id';
import { PROVIDER_NAMES } from '../providers';

/** Payload of Topics.PaymentSucceeded: a provider confirmed that money arrived for an order. */
export class PaymentSucceededV1 {
  static readonly type = 'PaymentSucceeded';
  static readonly version = 1;

  @Matches(/^[A-Za-z0-9]{8,32}$/)
  orderNo!: string;

  @IsIn(PROVIDER_NAMES)
  provider!: string;

  /** The provider's own id for the payment (Alipay trade_no, WeChat transaction_id, ...). */
  @IsString()
  @MaxLength(128)
  providerTransactionId!: string;

  /** Minor units (fen, cents) as the provider reported them. */
  @IsInt()
  @Min(0)
  amount!: number;

  @IsIn(['CNY', 'USD', 'EUR', 'GBP', 'HKD', 'JPY', 'KRW'])
  currency!: string;

  @IsISO8601()
  paidAt!: string;
}

/**
 * The event id of a provider payment's PaymentSucceeded: the same for the callback, every duplicate or retry of it
 * and an active query of the same payment, so the outbox's unique index and the inboxes collapse them into one
 * event. Every producer of PaymentSucceeded must use this function.
 */
export function paymentSucceededEventId(provider: string, providerTransactionId: string): string {
  return deterministicEventId(provider, providerTransactionId, PaymentSucceededV1.type);
}
