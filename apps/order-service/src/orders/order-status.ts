/** Where an order is in its life. Stored as text in orders.status (see the CreateOrders migration's check). */
export const ORDER_STATUSES = ['PENDING_PAYMENT', 'PAID', 'CANCELLED', 'SHIPPED', 'REFUNDED'] as const;

/** One of ORDER_STATUSES. */
export type OrderStatus = (typeof ORDER_STATUSES)[number];

/**
 * Every move an order may make, and nothing else. The table only points forward: no state can be reached again
 * from a later one, so a late or repeated event can never take an order back (e.g. PAID -> PENDING_PAYMENT).
 * SHIPPED and REFUNDED have no exits yet; refunds after shipping belong to a later issue and are added here.
 */
export const ORDER_TRANSITIONS: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = Object.freeze({
  PENDING_PAYMENT: Object.freeze(['PAID', 'CANCELLED'] as const),
  PAID: Object.freeze(['SHIPPED', 'REFUNDED'] as const),
  CANCELLED: Object.freeze([]),
  SHIPPED: Object.freeze([]),
  REFUNDED: Object.freeze([]),
});

/** True when the transition table allows moving from `from` to `to`. */
export function canTransition(from: OrderStatus, to: OrderStatus): boolean {
  return ORDER_TRANSITIONS[from].includes(to);
}

/** True for a status the table lets nothing leave. */
export function isFinalStatus(status: OrderStatus): boolean {
  return ORDER_TRANSITIONS[status].length === 0;
}
