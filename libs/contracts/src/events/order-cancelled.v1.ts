import { IsIn, IsISO8601, IsString, Matches } from 'class-validator';

/** Why an order was cancelled: it expired unpaid, or the customer or an admin cancelled it. */
export const ORDER_CANCEL_REASONS = ['expired', 'customer', 'admin'] as const;

/** Payload of Topics.OrderCancelled: an order moved PENDING_PAYMENT -> CANCELLED; its open payments must close. */
export class OrderCancelledV1 {
  static readonly type = 'OrderCancelled';
  static readonly version = 1;

  @Matches(/^[A-Za-z0-9]{8,32}$/)
  orderNo!: string;

  @IsString()
  customerId!: string;

  @IsIn(ORDER_CANCEL_REASONS)
  reason!: (typeof ORDER_CANCEL_REASONS)[number];

  @IsISO8601()
  cancelledAt!: string;
}
