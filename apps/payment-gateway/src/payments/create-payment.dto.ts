import { IsIn, IsInt, IsISO8601, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { type Currency, SUPPORTED_CURRENCIES } from '@shop/money';
import type { PaymentMethod } from '@shop/providers';
import { PAYMENT_METHODS } from '../providers/provider-catalog';
import { PROVIDER_NAMES, type ProviderName } from '@shop/contracts';

/** Body of POST /internal/v1/payments, sent by the api-gateway after it checked the order and the caller. */
export class CreatePaymentDto {
  /** Also the provider's merchant order id (Alipay out_trade_no), whose alphabet is wider than ours. */
  @Matches(/^[A-Za-z0-9]{8,32}$/, { message: 'orderNo must be 8 to 32 letters or digits' })
  orderNo!: string;

  @IsInt({ message: 'amount must be an integer number of minor units' })
  @Min(1, { message: 'amount must be at least 1 minor unit' })
  @Max(Number.MAX_SAFE_INTEGER, { message: 'amount must not exceed Number.MAX_SAFE_INTEGER minor units' })
  amount!: number;

  @IsIn(SUPPORTED_CURRENCIES, { message: `currency must be one of ${SUPPORTED_CURRENCIES.join(', ')}` })
  currency!: Currency;

  /** What the buyer sees at the provider; Alipay allows up to 256 characters. */
  @IsString({ message: 'subject must be a string' })
  @Matches(/\S/, { message: 'subject must not be blank' })
  @MaxLength(256, { message: 'subject must be at most 256 characters' })
  subject!: string;

  @IsIn(PROVIDER_NAMES, { message: `provider must be one of ${PROVIDER_NAMES.join(', ')}` })
  provider!: ProviderName;

  @IsIn(PAYMENT_METHODS, { message: `method must be one of ${PAYMENT_METHODS.join(', ')}` })
  method!: PaymentMethod;

  /**
   * When the order expires unless paid (ISO 8601 with offset): the provider's payment is opened to expire then
   * too. Omitted: the provider's default lifetime (the order's expiry still closes it).
   */
  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'payBy must be an ISO 8601 date-time, e.g. 2026-11-27T08:30:00.000Z' })
  payBy?: string;
}
