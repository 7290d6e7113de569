/** Where an order is in its life. Stored as text in orders.status (see the migrations' ck_orders_status). */
export const ORDER_STATUSES = [
  'PENDING_PAYMENT',
  'PAID',
  'CANCELLED',
  'SHIPPED',
  'COMPLETED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
] as const;

/** One of ORDER_STATUSES. */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Every move an order may make, and nothing else: the one place that says what may follow what.
 *
 * The payment side only points forward: once PAID, an order never becomes PENDING_PAYMENT or PAID again, so a
 * late or repeated event can never take it back; CANCELLED and REFUNDED are final. Fulfilment and refunds
 * interleave: a partly refunded order may still ship (SHIPPED), and a shipped or completed one may be refunded in
 * part (PARTIALLY_REFUNDED) or in full (REFUNDED). A further partial refund keeps PARTIALLY_REFUNDED, which is not
 * a transition. PARTIALLY_REFUNDED -> COMPLETED needs a shipment, which OrderActionsService checks.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = Object.freeze({
  PENDING_PAYMENT: Object.freeze(['PAID', 'CANCELLED'] as const),
  PAID: Object.freeze(['SHIPPED', 'PARTIALLY_REFUNDED', 'REFUNDED'] as const),
  CANCELLED: Object.freeze([]),
  SHIPPED: Object.freeze(['COMPLETED', 'PARTIALLY_REFUNDED', 'REFUNDED'] as const),
  COMPLETED: Object.freeze(['PARTIALLY_REFUNDED', 'REFUNDED'] as const),
  PARTIALLY_REFUNDED: Object.freeze(['SHIPPED', 'COMPLETED', 'REFUNDED'] as const),
  REFUNDED: Object.freeze([]),
});

/** Statuses in which the order's money has been taken and may be refunded. */
export const REFUNDABLE_STATUSES: readonly OrderStatus[] = Object.freeze([
  'PAID',
  'SHIPPED',
  'COMPLETED',
  'PARTIALLY_REFUNDED',
]);

/** True when the transition table allows moving from `from` to `to`. */
export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

/** True for a status the table lets nothing leave. */
export function isFinalStatus(status: OrderStatus): boolean {
  return ORDER_TRANSITIONS[status].length === 0;
}
