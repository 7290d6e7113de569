import { IsIn, IsInt, IsISO8601, IsNotEmpty, IsOptional, IsString, IsUUID, MaxLength, Min } from 'class-validator';
import { deterministicEventId } from '../event-id';
import { PAYMENT_ANOMALY_TYPES, type PaymentAnomalyType } from './payment-anomaly-detected.v1';
import { PROVIDER_NAMES } from '../providers';

/**
 * What a refund gives back: part or all of the order's payment ("order"), or all of a payment that settled no
 * order, a payment anomaly ("anomaly"). The two are booked differently (liabilities:customer-orders or
 * liabilities:refunds-due) and only an order refund changes the order.
 */
export const REFUND_KINDS = ['order', 'anomaly'] as const;

/** One of REFUND_KINDS. */
export type RefundKind = (typeof REFUND_KINDS)[number];

/** The fields both refund outcomes carry. */
abstract class RefundOutcomeV1 {
  @IsUUID()
  refundId!: string;

  @IsIn(REFUND_KINDS)
  kind!: RefundKind;

  /** The order number the refunded payment was for (an orphan's is whatever the provider sent, up to 64). */
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  orderNo!: string;

  @IsIn(PROVIDER_NAMES)
  provider!: string;

  /** The provider's id of the refunded payment. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  providerTransactionId!: string;

  /** Minor units (fen, cents) given back by this refund. */
  @IsInt()
  @Min(1)
  amount!: number;

  @IsIn(['CNY', 'USD', 'EUR', 'GBP', 'HKD', 'JPY', 'KRW'])
  currency!: string;

  @IsString()
  @MaxLength(200)
  reason!: string;

  /** Who asked: an admin's token subject, or "system" for an automatic anomaly refund. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  requestedBy!: string;

  /** For kind "anomaly": which anomaly this refund settles. */
  @IsOptional()
  @IsUUID()
  anomalyId?: string;

  @IsOptional()
  @IsIn(PAYMENT_ANOMALY_TYPES)
  anomalyType?: PaymentAnomalyType;
}

/** Payload of Topics.RefundSucceeded: the provider confirmed the money is on its way back. Keyed by orderNo. */
export class RefundSucceededV1 extends RefundOutcomeV1 {
  static readonly type = 'RefundSucceeded';
  static readonly version = 1;

  @IsISO8601()
  succeededAt!: string;
}

/**
 * Payload of Topics.RefundFailed: the provider refused or closed the refund; nothing was given back and the
 * amount may be refunded again. Keyed by orderNo.
 */
export class RefundFailedV1 extends RefundOutcomeV1 {
  static readonly type = 'RefundFailed';
  static readonly version = 1;

  @IsString()
  @MaxLength(200)
  failureReason!: string;

  @IsISO8601()
  failedAt!: string;
}

/** A refund ends once: its outcome's event id follows from the refund id, so any repeat collapses. */
export function refundOutcomeEventId(refundId: string, type: 'RefundSucceeded' | 'RefundFailed'): string {
  return deterministicEventId('payment-gateway', refundId, type);
}

/**
 * Payload of Topics.RefundNotified: a verified provider notification about one of our refunds (WeChat Pay
 * REFUND.*, Alipay's refund notification, Stripe refund.*). Not itself an outcome: the payment-gateway settles the
 * named refund by asking the provider at once, so a forged or stale notification can never decide a refund. Keyed
 * by the refund key; the event id follows from the notification, so repeats collapse.
 */
export class RefundNotifiedV1 {
  static readonly type = 'RefundNotified';
  static readonly version = 1;

  @IsIn(PROVIDER_NAMES)
  provider!: string;

  /** Our key of the refund at the provider (refunds.provider_refund_no). */
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  refundNo!: string;

  /** The provider's own status word in the notification, for logs. */
  @IsString()
  @MaxLength(100)
  providerStatus!: string;

  @IsISO8601()
  notifiedAt!: string;
}

/** One event per provider notification: its retries (same notification key) are the same event. */
export function refundNotifiedEventId(provider: string, notificationKey: string): string {
  return deterministicEventId(provider, notificationKey, RefundNotifiedV1.type);
}
