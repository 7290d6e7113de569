import { HttpStatus, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { toSafeAmount } from './amount';
import { OrderError } from './order.error';
import { canTransition, type OrderStatus } from './order-status';
import type { OrderLineView, OrderSummaryView, ShipmentView, TimelineEntryView } from './order.views';
import type { PricedLine } from './pricing';

/** An order row as the services work with it (amounts already safe numbers). */
export interface OrderRecord {
  id: string;
  orderNo: string;
  customerId: string;
  status: OrderStatus;
  totalAmount: number;
  currency: string;
  createdAt: Date;
  paidAt: Date | null;
  paymentProvider: string | null;
  providerTransactionId: string | null;
  cancelledAt: Date | null;
  cancelReason: string | null;
  reviewReason: string | null;
  reviewDetail: Record<string, unknown> | null;
  flaggedAt: Date | null;
  refundedAmount: number;
  shippedAt: Date | null;
  completedAt: Date | null;
}

/** Who did something to an order: a token's subject (admin or customer), or "system" for the services. */
export const SYSTEM_ACTOR = 'system';

interface LineJson {
  sku: string;
  name: string;
  quantity: number;
  unit_amount: string;
  line_amount: string;
}
interface TimelineJson {
  at: string;
  event: string;
  actor: string;
  detail: Record<string, unknown> | null;
}
interface ShipmentJson {
  carrier: string;
  tracking_no: string;
  shipped_at: string;
  shipped_by: string;
}

/** The admin search's filters; every one is optional and they combine with AND. */
export interface OrderSearch {
  status?: OrderStatus;
  provider?: string;
  customerId?: string;
  orderNo?: string;
  from?: Date;
  to?: Date;
}

/** Columns a transition may set besides status; a closed list, so no caller can smuggle SQL into a name. */
export interface TransitionChanges {
  paid_at?: Date | string;
  payment_provider?: string;
  provider_transaction_id?: string;
  cancelled_at?: Date | string;
  cancel_reason?: string;
  shipped_at?: Date | string;
  completed_at?: Date | string;
  refunded_amount?: number;
}

interface OrderRow {
  id: string;
  order_no: string;
  customer_id: string;
  status: OrderStatus;
  total_amount: string;
  currency: string;
  created_at: Date;
  paid_at: Date | null;
  payment_provider: string | null;
  provider_transaction_id: string | null;
  cancelled_at: Date | null;
  cancel_reason: string | null;
  review_reason: string | null;
  review_detail: Record<string, unknown> | null;
  flagged_at: Date | null;
  refunded_amount: string;
  shipped_at: Date | null;
  completed_at: Date | null;
}

const ORDER_COLUMNS = `id, order_no, customer_id, status, total_amount, currency, created_at, paid_at, payment_provider,
  provider_transaction_id, cancelled_at, cancel_reason, review_reason, review_detail, flagged_at, refunded_amount,
  shipped_at, completed_at`;

/** An order's lines, history and parcels, as its view shows them. */
export interface OrderParts {
  items: OrderLineView[];
  timeline: TimelineEntryView[];
  shipments: ShipmentView[];
}

interface PartsRow {
  items: LineJson[];
  timeline: TimelineJson[];
  shipments: ShipmentJson[];
}

// Amounts travel as text (bigint must not pass through a JSON number) and times as UTC milliseconds, the
// precision a Date holds.
const utc = (column: string) => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** The select-list of an order's parts as JSON arrays, for the order whose id is `orderId` (SQL). */
function partsColumns(orderId: string): string {
  return `
    (SELECT coalesce(json_agg(json_build_object('sku', sku, 'name', name, 'quantity', quantity,
        'unit_amount', unit_amount::text, 'line_amount', line_amount::text) ORDER BY line_no), '[]')
     FROM order_lines WHERE order_id = ${orderId}) AS items,
    (SELECT coalesce(json_agg(json_build_object('at', ${utc('at')}, 'event', event, 'actor', actor,
        'detail', detail) ORDER BY at, id), '[]')
     FROM order_timeline WHERE order_id = ${orderId}) AS timeline,
    (SELECT coalesce(json_agg(json_build_object('carrier', carrier, 'tracking_no', tracking_no,
        'shipped_at', ${utc('shipped_at')}, 'shipped_by', shipped_by) ORDER BY id), '[]')
     FROM order_shipments WHERE order_id = ${orderId}) AS shipments`;
}

function toParts(row: PartsRow): OrderParts {
  return {
    items: row.items.map((r) => ({
      sku: r.sku,
      name: r.name,
      quantity: r.quantity,
      unitAmount: toSafeAmount(r.unit_amount),
      lineAmount: toSafeAmount(r.line_amount),
    })),
    timeline: row.timeline.map((r) => ({ at: r.at, event: r.event, actor: r.actor, detail: r.detail })),
    shipments: row.shipments.map((r) => ({
      carrier: r.carrier,
      trackingNo: r.tracking_no,
      shippedAt: r.shipped_at,
      shippedBy: r.shipped_by,
    })),
  };
}

function toRecord(row: OrderRow): OrderRecord {
  return {
    id: row.id,
    orderNo: row.order_no,
    customerId: row.customer_id,
    status: row.status,
    totalAmount: toSafeAmount(row.total_amount),
    currency: row.currency,
    createdAt: row.created_at,
    paidAt: row.paid_at,
    paymentProvider: row.payment_provider,
    providerTransactionId: row.provider_transaction_id,
    cancelledAt: row.cancelled_at,
    cancelReason: row.cancel_reason,
    reviewReason: row.review_reason,
    reviewDetail: row.review_detail,
    flaggedAt: row.flagged_at,
    refundedAmount: toSafeAmount(row.refunded_amount),
    shippedAt: row.shipped_at,
    completedAt: row.completed_at,
  };
}

/**
 * Every SQL statement on orders, their lines and their timeline. Each method runs on the EntityManager it is
 * given, so the calling service decides what one transaction spans.
 */
@Injectable()
export class OrdersRepository {
  /**
   * Creates a PENDING_PAYMENT order in ONE statement (a statement is its own transaction): the order, its lines, its
   * "created" history entry and its event in the outbox, all or nothing. Answers the stored order and the history
   * entry as the database wrote them, so the caller can answer without reading them back.
   */
  async create(
    manager: EntityManager,
    order: {
      orderNo: string;
      customerId: string;
      totalAmount: number;
      currency: string;
      lines: PricedLine[];
      requestKey?: string;
    },
    createdDetail: Record<string, unknown>,
    outbox: [eventId: string, topic: string, key: string, envelope: string],
  ): Promise<{ order: OrderRecord; created: TimelineEntryView }> {
    const [row]: (OrderRow & { t_at: Date; t_event: string; t_actor: string; t_detail: Record<string, unknown> })[] =
      await manager.query(
        `WITH o AS (
           INSERT INTO orders (order_no, customer_id, status, total_amount, currency, request_key)
           VALUES ($1, $2, 'PENDING_PAYMENT', $3, $4, $5) RETURNING ${ORDER_COLUMNS}
         ), l AS (
           INSERT INTO order_lines (order_id, line_no, sku, name, quantity, unit_amount, line_amount)
           SELECT o.id, u.* FROM o,
             unnest($6::smallint[], $7::varchar[], $8::varchar[], $9::int[], $10::bigint[], $11::bigint[]) AS u
         ), t AS (
           INSERT INTO order_timeline (order_id, event, detail, actor)
           SELECT o.id, 'created', $12, $13 FROM o RETURNING at, event, actor, detail
         ), e AS (
           INSERT INTO outbox_events (event_id, topic, message_key, envelope)
           SELECT $14, $15, $16, $17 FROM o ON CONFLICT (event_id) DO NOTHING
         )
         SELECT o.*, t.at AS t_at, t.event AS t_event, t.actor AS t_actor, t.detail AS t_detail FROM o, t`,
        [
          order.orderNo,
          order.customerId,
          order.totalAmount,
          order.currency,
          order.requestKey ?? null,
          order.lines.map((l) => l.lineNo),
          order.lines.map((l) => l.sku),
          order.lines.map((l) => l.name),
          order.lines.map((l) => l.quantity),
          order.lines.map((l) => l.unitAmount.amount),
          order.lines.map((l) => l.lineAmount.amount),
          JSON.stringify(createdDetail),
          SYSTEM_ACTOR,
          ...outbox,
        ],
      );
    return {
      order: toRecord(row),
      created: { at: row.t_at.toISOString(), event: row.t_event, actor: row.t_actor, detail: row.t_detail },
    };
  }

  /** The order, or undefined. With `forUpdate`, the row stays locked until the caller's transaction ends. */
  async find(
    manager: EntityManager,
    orderNo: string,
    options: { forUpdate?: boolean } = {},
  ): Promise<OrderRecord | undefined> {
    const rows: OrderRow[] = await manager.query(
      `SELECT ${ORDER_COLUMNS} FROM orders WHERE order_no = $1${options.forUpdate ? ' FOR UPDATE' : ''}`,
      [orderNo],
    );
    return rows[0] && toRecord(rows[0]);
  }

  /**
   * Records a consumed event in the inbox and, only if it is new there, locks and reads the order it is about: one
   * round trip for what recordInInbox and find(forUpdate) do in two. `fresh` is false for an event applied
   * before (nothing is locked then); `order` is undefined when no such order exists.
   */
  async recordEventAndLock(
    manager: EntityManager,
    inbox: { consumer: string; eventId: string; topic: string },
    orderNo: string,
  ): Promise<{ fresh: boolean; order?: OrderRecord }> {
    const [row]: (OrderRow & { fresh: number; found: boolean })[] = await manager.query(
      `WITH inbox AS (
         INSERT INTO inbox_events (consumer, event_id, topic) VALUES ($1, $2, $3)
         ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id
       )
       SELECT (SELECT count(*) FROM inbox)::int AS fresh, o.id IS NOT NULL AS found, o.*
       FROM (SELECT 1) AS one LEFT JOIN LATERAL (
         SELECT ${ORDER_COLUMNS} FROM orders WHERE order_no = $4 AND EXISTS (SELECT 1 FROM inbox) FOR UPDATE
       ) AS o ON true`,
      [inbox.consumer, inbox.eventId, inbox.topic, orderNo],
    );
    return { fresh: row.fresh === 1, order: row.found ? toRecord(row) : undefined };
  }

  /** The order number a customer's request key created, if any. */
  async orderNoOfRequest(manager: EntityManager, customerId: string, requestKey: string): Promise<string | undefined> {
    const rows: { order_no: string }[] = await manager.query(
      'SELECT order_no FROM orders WHERE customer_id = $1 AND request_key = $2',
      [customerId, requestKey],
    );
    return rows[0]?.order_no;
  }

  /** The order and its parts in one round trip, or undefined. */
  async findWithParts(
    manager: EntityManager,
    orderNo: string,
  ): Promise<{ order: OrderRecord; parts: OrderParts } | undefined> {
    const rows: (OrderRow & PartsRow)[] = await manager.query(
      `SELECT ${ORDER_COLUMNS}, ${partsColumns('orders.id')} FROM orders WHERE order_no = $1`,
      [orderNo],
    );
    return rows[0] && { order: toRecord(rows[0]), parts: toParts(rows[0]) };
  }

  /** Appends to the order's history (append-only in the database: entries are never changed). */
  async addTimelineEntry(
    manager: EntityManager,
    orderId: string,
    event: string,
    detail: Record<string, unknown> | null = null,
    actor: string = SYSTEM_ACTOR,
  ): Promise<void> {
    await manager.query('INSERT INTO order_timeline (order_id, event, detail, actor) VALUES ($1, $2, $3, $4)', [
      orderId,
      event,
      detail === null ? null : JSON.stringify(detail),
      actor,
    ]);
  }

  /**
   * Records a parcel; false when this very parcel (carrier and tracking number) was recorded for the order
   * before, so a repeated request adds nothing.
   */
  async addShipment(
    manager: EntityManager,
    orderId: string,
    shipment: { carrier: string; trackingNo: string; shippedBy: string; shippedAt: Date },
  ): Promise<boolean> {
    const rows: unknown[] = await manager.query(
      `INSERT INTO order_shipments (order_id, carrier, tracking_no, shipped_by, shipped_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT ON CONSTRAINT uq_order_shipments_parcel DO NOTHING RETURNING id`,
      [orderId, shipment.carrier, shipment.trackingNo, shipment.shippedBy, shipment.shippedAt],
    );
    return rows.length === 1;
  }

  /**
   * Moves the order from `from` to `to` if, and only if, the transition table allows it and the order is still
   * in `from` at the moment of the UPDATE. Returns false when it no longer was (someone else moved it first):
   * the caller then changes nothing, so a late or repeated event can never move an order backwards.
   */
  async transition(
    manager: EntityManager,
    orderNo: string,
    from: OrderStatus,
    to: OrderStatus,
    changes: TransitionChanges = {},
  ): Promise<boolean> {
    const update = transitionUpdate(orderNo, from, to, changes, 4);
    // For UPDATE, TypeORM's Postgres driver answers [rows, affectedCount], not the rows alone.
    const [, affected]: [unknown[], number] = await manager.query(update.sql, [orderNo, from, to, ...update.values]);
    return affected === 1;
  }

  /**
   * transition, its timeline entry and its event in the outbox in one statement, one round trip: the entry and
   * the event are written only when the order moved (the conditional update matched). Answers whether it moved.
   * `outbox` is an outboxRow (event id, topic, key, envelope); a repeated event id adds no second row.
   */
  async transitionRecorded(
    manager: EntityManager,
    move: { orderNo: string; from: OrderStatus; to: OrderStatus; changes?: TransitionChanges },
    entry: { event: string; detail: Record<string, unknown> | null; actor?: string },
    outbox: [eventId: string, topic: string, key: string, envelope: string],
  ): Promise<boolean> {
    const { orderNo, from, to, changes = {} } = move;
    // $1-$3 the move, $4-$6 the entry, $7-$10 the outbox row, then the changed columns.
    const update = transitionUpdate(orderNo, from, to, changes, 11);
    const rows: { moved: number }[] = await manager.query(
      `WITH moved AS (${update.sql} RETURNING id), entry AS (
         INSERT INTO order_timeline (order_id, event, detail, actor) SELECT id, $4, $5, $6 FROM moved
       ), event AS (
         INSERT INTO outbox_events (event_id, topic, message_key, envelope)
         SELECT $7, $8, $9, $10 FROM moved ON CONFLICT (event_id) DO NOTHING
       )
       SELECT count(*)::int AS moved FROM moved`,
      [
        orderNo,
        from,
        to,
        entry.event,
        entry.detail === null ? null : JSON.stringify(entry.detail),
        entry.actor ?? SYSTEM_ACTOR,
        ...outbox,
        ...update.values,
      ],
    );
    return rows[0].moved === 1;
  }

  /** Sets the order's running total of succeeded refunds (the database keeps it within 0..total). */
  async setRefundedAmount(manager: EntityManager, orderId: string, refundedAmount: number): Promise<void> {
    await manager.query('UPDATE orders SET refunded_amount = $2, updated_at = now() WHERE id = $1', [
      orderId,
      refundedAmount,
    ]);
  }

  /** Flags the order for a human, whatever its status, and keeps the status as it is. */
  async flagForReview(
    manager: EntityManager,
    orderId: string,
    reason: string,
    detail: Record<string, unknown>,
  ): Promise<void> {
    await manager.query(
      `UPDATE orders SET review_reason = $2, review_detail = $3, flagged_at = now(), updated_at = now() WHERE id = $1`,
      [orderId, reason, JSON.stringify(detail)],
    );
  }

  /** One page of a customer's orders, newest first, and how many they have in all. */
  pageOfCustomer(
    manager: EntityManager,
    customerId: string,
    offset: number,
    limit: number,
  ): Promise<{ items: OrderSummaryView[]; total: number }> {
    return this.search(manager, { customerId }, offset, limit);
  }

  /**
   * One page of the orders matching every given filter, newest first, and how many match in all. Filters are
   * bound parameters, never spliced into the SQL.
   */
  async search(
    manager: EntityManager,
    filter: OrderSearch,
    offset: number,
    limit: number,
  ): Promise<{ items: OrderSummaryView[]; total: number }> {
    const conditions: string[] = [];
    const params: unknown[] = [];
    const where = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.status !== undefined) where('o.status = ?', filter.status);
    if (filter.provider !== undefined) where('o.payment_provider = ?', filter.provider);
    if (filter.customerId !== undefined) where('o.customer_id = ?', filter.customerId);
    if (filter.orderNo !== undefined) where('o.order_no = ?', filter.orderNo);
    if (filter.from !== undefined) where('o.created_at >= ?', filter.from);
    if (filter.to !== undefined) where('o.created_at < ?', filter.to);
    const whereSql = conditions.length > 0 ? `WHERE ${conditions.join(' AND ')}` : '';
    const rows: (OrderRow & { line_count: number })[] = await manager.query(
      `SELECT o.order_no, o.status, o.customer_id, o.total_amount, o.currency, o.created_at, o.paid_at,
              o.payment_provider, o.refunded_amount, o.review_reason,
              (SELECT count(*)::int FROM order_lines l WHERE l.order_id = o.id) AS line_count
       FROM orders o ${whereSql}
       ORDER BY o.created_at DESC, o.id DESC OFFSET $${params.length + 1} LIMIT $${params.length + 2}`,
      [...params, offset, limit],
    );
    const [{ total }]: { total: number }[] = await manager.query(
      `SELECT count(*)::int AS total FROM orders o ${whereSql}`,
      params,
    );
    return {
      total,
      items: rows.map((r) => ({
        orderNo: r.order_no,
        status: r.status,
        customerId: r.customer_id,
        totalAmount: toSafeAmount(r.total_amount),
        refundedAmount: toSafeAmount(r.refunded_amount),
        currency: r.currency,
        lineCount: r.line_count,
        createdAt: r.created_at.toISOString(),
        paidAt: r.paid_at?.toISOString() ?? null,
        paymentProvider: r.payment_provider,
        underReview: r.review_reason !== null,
      })),
    };
  }
}

/**
 * The conditional UPDATE of a transition (order $1 from status $2 to $3, the changed columns from $firstChange on)
 * and the values of those columns; refuses a move the state machine does not allow.
 */
function transitionUpdate(
  orderNo: string,
  from: OrderStatus,
  to: OrderStatus,
  changes: TransitionChanges,
  firstChange: number,
): { sql: string; values: unknown[] } {
  if (!canTransition(from, to)) {
    throw new OrderError(
      'ORDER_TRANSITION_NOT_ALLOWED',
      `Order ${orderNo} cannot move from ${from} to ${to}`,
      HttpStatus.CONFLICT,
    );
  }
  const columns = Object.keys(changes) as (keyof TransitionChanges)[];
  const sets = columns.map((column, i) => `, ${column} = $${i + firstChange}`).join('');
  return {
    sql: `UPDATE orders SET status = $3, updated_at = now()${sets} WHERE order_no = $1 AND status = $2`,
    values: columns.map((c) => changes[c]),
  };
}
