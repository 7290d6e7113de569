import type { OrderStatus } from './order-status';

/** One line as the internal API shows it; amounts in minor units. */
export interface OrderLineView {
  sku: string;
  name: string;
  quantity: number;
  unitAmount: number;
  lineAmount: number;
}

/** Why an order waits for a human, e.g. {reason: "AMOUNT_MISMATCH", detail: {expected, got, ...}}. */
export interface OrderReviewView {
  reason: string;
  detail: Record<string, unknown> | null;
  flaggedAt: string;
}

/** One entry of an order's history: what happened, when, and who did it ("system" for the services). */
export interface TimelineEntryView {
  at: string;
  event: string;
  actor: string;
  detail: Record<string, unknown> | null;
}

/** One parcel of an order. */
export interface ShipmentView {
  carrier: string;
  trackingNo: string;
  shippedAt: string;
  /** The admin who recorded it (token subject). */
  shippedBy: string;
}

/** An order with everything the order-service knows about it: the answer of POST and GET of one order. */
export interface OrderDetailsView {
  orderNo: string;
  status: OrderStatus;
  customerId: string;
  totalAmount: number;
  currency: string;
  items: OrderLineView[];
  createdAt: string;
  /**
   * While PENDING_PAYMENT: when the order expires unless paid (createdAt + ORDER_PAYMENT_TIMEOUT_SECONDS). Provider
   * payments are opened to expire then too. Null in every other status.
   */
  paymentDueAt: string | null;
  paidAt: string | null;
  paymentProvider: string | null;
  providerTransactionId: string | null;
  cancelledAt: string | null;
  cancelReason: string | null;
  /** The sum of the order's succeeded refunds, minor units (0 when none). */
  refundedAmount: number;
  shippedAt: string | null;
  completedAt: string | null;
  shipments: ShipmentView[];
  review: OrderReviewView | null;
  timeline: TimelineEntryView[];
}

/** An order in a list: no lines or timeline, but how many lines and whether it is flagged. */
export interface OrderSummaryView {
  orderNo: string;
  status: OrderStatus;
  customerId: string;
  totalAmount: number;
  refundedAmount: number;
  currency: string;
  lineCount: number;
  createdAt: string;
  paidAt: string | null;
  paymentProvider: string | null;
  underReview: boolean;
}

/** One page of orders (a customer's, or the admin search's), newest first. */
export interface OrderPageView {
  items: OrderSummaryView[];
  page: number;
  pageSize: number;
  total: number;
}
