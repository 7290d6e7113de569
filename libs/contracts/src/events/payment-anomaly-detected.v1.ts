import { IsIn, IsInt, IsISO8601, IsNotEmpty, IsObject, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import { PROVIDER_NAMES } from '../providers';
import { deterministicEventId } from '../event-id';

/**
 * Why money that arrived cannot simply settle an order:
 * - AMOUNT_MISMATCH: the amount or currency differs from the order's total (the order is not paid by it);
 * - ORPHAN_PAYMENT: a verified payment for an order number nobody announced, still unknown after a grace period;
 * - LATE_PAYMENT: a payment for an order that was already cancelled (or expired);
 * - DUPLICATE_PAYMENT: a second provider transaction for an order already paid by another one.
 */
export const PAYMENT_ANOMALY_TYPES = [
  'AMOUNT_MISMATCH',
  'ORPHAN_PAYMENT',
  'LATE_PAYMENT',
  'DUPLICATE_PAYMENT',
] as const;

/** One of PAYMENT_ANOMALY_TYPES. */
export type PaymentAnomalyType = (typeof PAYMENT_ANOMALY_TYPES)[number];

/**
 * Payload of Topics.PaymentAnomalyDetected: a real payment that needs a human or a refund. Keyed by orderNo.
 * One provider transaction is one anomaly of a type: use paymentAnomalyEventId as the event id, so a
 * re-detection (a redelivered or re-queried payment, a second sweep) collapses in outboxes and inboxes.
 */
export class PaymentAnomalyDetectedV1 {
  static readonly type = 'PaymentAnomalyDetected';
  static readonly version = 1;

  @IsIn(PAYMENT_ANOMALY_TYPES)
  type!: PaymentAnomalyType;

  /**
   * Our order number as the provider sent it. Not held to the order-number pattern: an orphan's number is
   * whatever the provider reported (Alipay out_trade_no, up to 64 characters), and it must still be reportable.
   */
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  orderNo!: string;

  @IsIn(PROVIDER_NAMES)
  provider!: string;

  /** The provider's id of the payment: what a refund refers to. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  providerTransactionId!: string;

  /** Minor units (fen, cents) as the provider reported them: the money to give back. */
  @IsInt()
  @Min(0)
  amount!: number;

  @IsIn(['CNY', 'USD', 'EUR', 'GBP', 'HKD', 'JPY', 'KRW'])
  currency!: string;

  @IsISO8601()
  detectedAt!: string;

  /** Free-form context for operators (expected amount, the status at arrival, the transaction that paid, ...). */
  @IsOptional()
  @IsObject()
  detail?: Record<string, unknown>;
}

/** The event id of an anomaly: the same for every detection of one provider transaction's anomaly of one type. */
export function paymentAnomalyEventId(
  anomaly: Pick<PaymentAnomalyDetectedV1, 'type' | 'provider' | 'providerTransactionId'>,
): string {
  return deterministicEventId('anomaly', anomaly.type, anomaly.provider, anomaly.providerTransactionId);
}
