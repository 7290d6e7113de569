/**
 * What a stored provider notification turned out to be:
 * - payment: a paid notification for a known order with the order's amount; PaymentSucceeded was written.
 * - amount_mismatch: paid for a known order, but not the order's amount or currency; PaymentSucceeded was still
 *   written with the amount the provider reported (the money is real: the ledger books it and the order-service,
 *   which owns the order's amount, refuses the order transition and refunds), and operators see the row.
 * - orphan: for an order this service never heard of; stored for review and refund, no event.
 * - non_payment: a known order's other statuses (WAIT_BUYER_PAY, TRADE_CLOSED, ...); stored, no event.
 */
export type NotificationClassification = 'payment' | 'amount_mismatch' | 'orphan' | 'non_payment';
