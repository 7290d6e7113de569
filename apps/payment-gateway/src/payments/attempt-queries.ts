// Statements that find an order's attempts by order number.
//
// Each first selects the order's attempts by order number alone, in a MATERIALIZED CTE, and filters them after.
// Written plainly (order_no = $1 AND status = 'PENDING'), the planner may go through the partial index of PENDING
// attempts (the active query's), which its statistics show nearly empty: every attempt paid since the last VACUUM
// leaves a dead entry there, and under load that was thousands read per payment (5-6 ms of PostgreSQL CPU each,
// growing with the traffic). An order has a handful of attempts; the order-number index finds them in a few pages.

/**
 * Marks the order's newest PENDING attempt with this provider SUCCEEDED; answers it (none when there is none).
 * The row's own check, made again on the latest version once it is locked, is written as "not final" rather than
 * status = 'PENDING' (the same thing: those are the four statuses), so it cannot select the partial index either.
 * $1 order number, $2 provider, $3 provider transaction id, $4 paid at.
 */
export const MARK_NEWEST_PENDING_SUCCEEDED = `WITH of_order AS MATERIALIZED (
    SELECT id, provider, status, created_at FROM payment_attempts WHERE order_no = $1
  )
  UPDATE payment_attempts
  SET status = 'SUCCEEDED', provider_transaction_id = $3, succeeded_at = $4, updated_at = clock_timestamp()
  WHERE id = (
    SELECT id FROM of_order WHERE provider = $2 AND status = 'PENDING' ORDER BY created_at DESC, id DESC LIMIT 1
  ) AND status NOT IN ('SUCCEEDED', 'FAILED', 'CLOSED')
  RETURNING id, amount, currency`;

/** The order's PENDING attempts, oldest first. $1 order number. */
export const PENDING_ATTEMPTS_OF_ORDER = `WITH of_order AS MATERIALIZED (
    SELECT id, provider, provider_reference, status, created_at FROM payment_attempts WHERE order_no = $1
  )
  SELECT id, provider, provider_reference FROM of_order WHERE status = 'PENDING' ORDER BY created_at, id`;
