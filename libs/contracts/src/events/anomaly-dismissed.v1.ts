import { IsIn, IsInt, IsISO8601, IsNotEmpty, IsString, IsUUID, MaxLength, Min } from 'class-validator';
import { deterministicEventId } from '../event-id';
import { PAYMENT_ANOMALY_TYPES, type PaymentAnomalyType } from './payment-anomaly-detected.v1';
import { PROVIDER_NAMES } from '../providers';

/**
 * Payload of Topics.AnomalyDismissed: an admin decided a payment anomaly needs no refund (settled otherwise); the
 * money held for it on liabilities:refunds-due is released. Keyed by orderNo.
 */
export class AnomalyDismissedV1 {
  static readonly type = 'AnomalyDismissed';
  static readonly version = 1;

  @IsUUID()
  anomalyId!: string;

  @IsIn(PAYMENT_ANOMALY_TYPES)
  anomalyType!: PaymentAnomalyType;

  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  orderNo!: string;

  @IsIn(PROVIDER_NAMES)
  provider!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  providerTransactionId!: string;

  @IsInt()
  @Min(0)
  amount!: number;

  @IsIn(['CNY', 'USD', 'EUR', 'GBP', 'HKD', 'JPY', 'KRW'])
  currency!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  reason!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  dismissedBy!: string;

  @IsISO8601()
  dismissedAt!: string;
}

/** An anomaly is dismissed once. */
export function anomalyDismissedEventId(anomalyId: string): string {
  return deterministicEventId('payment-gateway', anomalyId, AnomalyDismissedV1.type);
}
