import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import {
  ContractViolationError,
  RefundNotifiedV1,
  Topics,
  paymentSucceededEventId,
  refundNotifiedEventId,
} from '@shop/contracts';
import { MessagingService, addToOutbox, outboxRow } from '@shop/messaging';
import type { VerifiedNotification } from '@shop/providers';
import { GroupCommit } from '@shop/persistence';
import { traceparentOf } from '@shop/runtime';
import type { CallbackOutcome } from '../callbacks/callback-outcome';
import { type KnownOrder, KnownOrdersService } from '../orders/known-orders.service';
import type { NotificationClassification } from './notification-classification';
import { INGEST_PRODUCER, paymentSucceededEvent, writePaymentSucceeded } from './payment-event';
import { ReplayKeys } from './replay-keys';

/** Where and when a notification arrived, beside what it says. */
export interface NotificationReceipt {
  /** The body exactly as received (what the signature covers). */
  readonly rawBody: string;
  readonly sourceIp: string | null;
  readonly receivedAt: Date;
}

/** What recording a verified notification did. */
export interface RecordedNotification {
  readonly outcome: Extract<
    CallbackOutcome,
    'accepted' | 'duplicate' | 'orphan' | 'amount_mismatch' | 'ignored' | 'rejected_replay'
  >;
  /** Undefined for a duplicate or a replay: nothing was stored this time. */
  readonly classification: NotificationClassification | undefined;
  /** The PaymentSucceeded event id, for payments (also when an earlier notification already wrote the event). */
  readonly eventId: string | undefined;
  /** A refund notification that went out as RefundNotified. */
  readonly refundNotified?: boolean;
}

/**
 * Stores verified provider notifications and turns payments into PaymentSucceeded events, in ONE transaction per
 * notification: the row and its event exist together or not at all, so the provider may be acknowledged as soon
 * as that transaction has committed, and a crash before the commit only means the provider retries.
 * Provider-neutral: every provider's callback ends here after its notification verifier accepted it.
 *
 * Replays: a notification whose signature carries a timestamp and nonce (WeChat Pay) has a replay key,
 * claimed in the same transaction: a second delivery of the very same signed request within the window stores
 * nothing and writes no event (rejected_replay). A provider's own retry is signed afresh, so it claims a new key
 * and is then a duplicate of the notification key like any other.
 */
@Injectable()
export class NotificationRecorder {
  /** The common case's statements, shared by the callbacks that arrive together (see recordPaymentOfKnownOrder). */
  private readonly knownOrderPayments: GroupCommit<KnownOrderPayment, KnownOrderPaymentResult>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly knownOrders: KnownOrdersService,
    private readonly messaging: MessagingService,
    private readonly replayKeys: ReplayKeys,
  ) {
    this.knownOrderPayments = new GroupCommit(
      {
        writeOne: (payment) => this.writeKnownOrderPayment(payment),
        writeGroup: (payments) => this.writeKnownOrderPayments(payments),
        // One statement never holds two deliveries of one notification, nor two notifications of one payment:
        // the later one goes in the next statement and finds the first one's rows, as it would alone.
        keysOf: (payment) => [
          `notification:${payment.values[0] as string}:${payment.values[1] as string}`,
          `event:${payment.eventId}`,
        ],
      },
      GROUP_COMMIT,
    );
  }

  async record(notification: VerifiedNotification, receipt: NotificationReceipt): Promise<RecordedNotification> {
    const recorded =
      (await this.recordPaymentOfKnownOrder(notification, receipt)) ??
      (await this.recordInTransaction(notification, receipt));
    if (recorded.outcome === 'accepted' || recorded.outcome === 'amount_mismatch' || recorded.refundNotified) {
      this.messaging.nudgeRelay();
    }
    return recorded;
  }

  /**
   * The common case in one round trip instead of six: a payment notification (no replay key) for an order this
   * service already knows. Known orders never change or disappear once stored, and their orphans were adopted in
   * the transaction that stored them, so the order read outside a transaction stays true and no lock is needed;
   * the notification row and its event are then written by ONE statement (a statement is its own transaction:
   * both or neither). A concurrent delivery of the same notification waits on the row's unique key exactly as in
   * the transaction below. Callbacks that arrive while such a statement runs share the next one (GroupCommit):
   * each is still answered only after its own rows are committed. Answers undefined when the case does not apply.
   */
  private async recordPaymentOfKnownOrder(
    notification: VerifiedNotification,
    receipt: NotificationReceipt,
  ): Promise<RecordedNotification | undefined> {
    if (notification.kind !== 'payment-succeeded' || notification.replayKey !== undefined) return undefined;
    if (notification.orderNo === '') return undefined;
    let event: ReturnType<typeof paymentSucceededEvent>;
    try {
      event = paymentSucceededEvent({
        orderNo: notification.orderNo,
        provider: notification.provider,
        providerTransactionId: notification.providerTransactionId,
        amount: notification.amount.amount,
        currency: notification.amount.currency,
        paidAt: notification.paidAt ?? receipt.receivedAt,
      });
    } catch (error) {
      // Built before the order is known (it is read inside the statement): a notification the event contract
      // refuses (an order number no order can have, say) goes the locked way, which decides it as it always did.
      if (error instanceof ContractViolationError) return undefined;
      throw error;
    }
    const outbox = outboxRow(INGEST_PRODUCER, event);
    const [eventId] = outbox;
    // The row's classification comes from the known order, in the statement (as classify() decides it for a
    // payment: the amount and currency match the order's, or not); no known order, nothing is written.
    const values = notificationRow(notification, receipt, 'payment', eventId);
    values.splice(CLASSIFICATION_PARAM, 1);
    const row = await this.knownOrderPayments.submit({ values: [...values, ...outbox], eventId });
    if (!row.known) return undefined;
    const { classification } = row;
    if (!row.stored) return { outcome: 'duplicate', classification: undefined, eventId: undefined };
    // Not written: an earlier notification of the same payment already confirmed it (see recordInTransaction).
    if (!row.written) return { outcome: 'duplicate', classification, eventId };
    return { outcome: classification === 'payment' ? 'accepted' : 'amount_mismatch', classification, eventId };
  }

  /**
   * One known-order payment in one statement (a statement is its own transaction: both rows or neither). The
   * group statement below would do for one as well, but a lone callback is the quiet system's common case, and
   * unnesting arrays for one row cost PostgreSQL about 1.2 ms a callback against 0.65-0.7 ms for this one
   * (measured one callback at a time), so both are kept.
   */
  private async writeKnownOrderPayment(payment: KnownOrderPayment): Promise<KnownOrderPaymentResult> {
    const [row]: KnownOrderPaymentResult[] = await this.dataSource.query(
      `WITH k AS (
         SELECT CASE WHEN total_amount = $10 AND currency = $11 THEN 'payment' ELSE 'amount_mismatch' END
           AS classification
         FROM known_orders WHERE order_no = $5
       ), stored AS (
         ${INSERT_NOTIFICATION_COLUMNS}
         SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, k.classification, $12, $13, $14, $15 FROM k
         ON CONFLICT (provider, notification_key) DO NOTHING RETURNING id
       ), written AS (
         INSERT INTO outbox_events (event_id, topic, message_key, envelope)
         SELECT $16, $17, $18, $19 FROM stored
         ON CONFLICT (event_id) DO NOTHING RETURNING id
       )
       SELECT EXISTS (SELECT FROM k) AS known, (SELECT classification FROM k) AS classification,
         EXISTS (SELECT FROM stored) AS stored, EXISTS (SELECT FROM written) AS written`,
      [...payment.values],
    );
    return row;
  }

  /**
   * Known-order payments that arrived together, in ONE statement: the same statement as writeKnownOrderPayment
   * over arrays (one text, so one prepared statement whatever the group's size), one commit for all. Rows are
   * inserted in key order, so two groups in flight at once take the unique keys they share in the same order
   * and never deadlock each other.
   */
  private async writeKnownOrderPayments(payments: readonly KnownOrderPayment[]): Promise<KnownOrderPaymentResult[]> {
    const columns = KNOWN_ORDER_PAYMENT_TYPES.map((_, column) => payments.map((payment) => payment.values[column]));
    const rows: KnownOrderPaymentResult[] = await this.dataSource.query(
      `WITH input AS (
         SELECT * FROM unnest(${KNOWN_ORDER_PAYMENT_TYPES.map((type, i) => `$${i + 1}::${type}[]`).join(', ')})
           WITH ORDINALITY AS i(provider, notification_key, raw_body, fields, order_no, provider_transaction_id,
             trade_status, kind, paid_at, amount, currency, event_id, received_at, source_ip, trace_parent,
             out_event_id, topic, message_key, envelope, ord)
       ), k AS (
         SELECT i.ord, CASE WHEN o.total_amount = i.amount AND o.currency = i.currency THEN 'payment'
           ELSE 'amount_mismatch' END AS classification
         FROM input i JOIN known_orders o ON o.order_no = i.order_no
       ), stored AS (
         ${INSERT_NOTIFICATION_COLUMNS}
         SELECT i.provider, i.notification_key, i.raw_body, i.fields::jsonb, i.order_no, i.provider_transaction_id,
           i.trade_status, i.kind, i.paid_at, i.amount, i.currency, k.classification, i.event_id, i.received_at,
           i.source_ip, i.trace_parent
         FROM input i JOIN k ON k.ord = i.ord
         ORDER BY i.provider, i.notification_key
         ON CONFLICT (provider, notification_key) DO NOTHING RETURNING provider, notification_key
       ), written AS (
         INSERT INTO outbox_events (event_id, topic, message_key, envelope)
         SELECT i.out_event_id, i.topic, i.message_key, i.envelope::jsonb
         FROM input i JOIN stored s ON s.provider = i.provider AND s.notification_key = i.notification_key
         ORDER BY i.out_event_id
         ON CONFLICT (event_id) DO NOTHING RETURNING event_id
       )
       SELECT k.ord IS NOT NULL AS known, k.classification, s.notification_key IS NOT NULL AS stored,
         w.event_id IS NOT NULL AS written
       FROM input i LEFT JOIN k ON k.ord = i.ord
         LEFT JOIN stored s ON s.provider = i.provider AND s.notification_key = i.notification_key
         LEFT JOIN written w ON w.event_id = i.out_event_id
       ORDER BY i.ord`,
      columns,
    );
    return rows;
  }

  /** Every other notification: one transaction, serialised with the adoption of the order's orphans. */
  private async recordInTransaction(
    notification: VerifiedNotification,
    receipt: NotificationReceipt,
  ): Promise<RecordedNotification> {
    return this.dataSource.transaction(async (manager): Promise<RecordedNotification> => {
      if (
        notification.replayKey !== undefined &&
        !(await this.replayKeys.claim(manager, notification.provider, notification.replayKey))
      ) {
        return { outcome: 'rejected_replay', classification: undefined, eventId: undefined };
      }
      // Serialised with the adoption of this order's orphans (see KnownOrdersService.lockOrder).
      await this.knownOrders.lockOrder(manager, notification.orderNo);
      const order = await this.knownOrders.find(manager, notification.orderNo);
      const classification = classify(notification, order);
      const isPayment = classification === 'payment' || classification === 'amount_mismatch';
      const eventId = isPayment
        ? paymentSucceededEventId(notification.provider, notification.providerTransactionId)
        : undefined;
      // ON CONFLICT DO NOTHING, not a caught unique violation: a violation would abort the whole transaction.
      // A concurrent delivery of the same notification waits here until the first one commits (then stores
      // nothing) or rolls back (then stores it itself), so a duplicate is never acknowledged before the original.
      const inserted: unknown[] = await manager.query(
        INSERT_NOTIFICATION,
        notificationRow(notification, receipt, classification, eventId),
      );
      if (inserted.length === 0) return { outcome: 'duplicate', classification: undefined, eventId: undefined };
      if (notification.kind === 'refund' && notification.refundNo !== undefined) {
        // Not a payment, never: the payment-gateway settles the named refund by asking its provider.
        const payload: RefundNotifiedV1 = {
          provider: notification.provider,
          refundNo: notification.refundNo.slice(0, 64),
          providerStatus: notification.tradeStatus.slice(0, 100),
          notifiedAt: receipt.receivedAt.toISOString(),
        };
        await addToOutbox(manager, INGEST_PRODUCER, {
          topic: Topics.RefundNotified,
          type: RefundNotifiedV1.type,
          version: RefundNotifiedV1.version,
          key: payload.refundNo,
          eventId: refundNotifiedEventId(notification.provider, notification.notificationKey),
          payload,
        });
        return { outcome: 'ignored', classification, eventId: undefined, refundNotified: true };
      }
      if (!isPayment || order === undefined || eventId === undefined) {
        return { outcome: classification === 'orphan' ? 'orphan' : 'ignored', classification, eventId: undefined };
      }
      const written = await writePaymentSucceeded(manager, {
        orderNo: order.orderNo,
        provider: notification.provider,
        providerTransactionId: notification.providerTransactionId,
        amount: notification.amount.amount,
        currency: notification.amount.currency,
        // Paid notifications carry their payment time (Alipay gmt_payment, WeChat Pay success_time, UnionPay
        // traceTime, Stripe event created); the arrival time is the honest fallback.
        paidAt: notification.paidAt ?? receipt.receivedAt,
      });
      // Not written: an earlier notification of the same payment already confirmed it (Alipay: TRADE_FINISHED
      // after TRADE_SUCCESS, or the TRADE_SUCCESS of a partial refund, under another notify_id; Stripe:
      // payment_intent.succeeded and checkout.session.completed of one PaymentIntent). The row is kept; the
      // deterministic event id keeps the payment to one event.
      if (!written) return { outcome: 'duplicate', classification, eventId };
      return { outcome: classification === 'payment' ? 'accepted' : 'amount_mismatch', classification, eventId };
    });
  }
}

/**
 * A payment notification of a known order, as the parameters of writeKnownOrderPayment: the notification row
 * without its classification ($1-$15, see notificationRow) and its outbox row ($16-$19, see outboxRow).
 */
interface KnownOrderPayment {
  readonly values: readonly unknown[];
  readonly eventId: string;
}

interface KnownOrderPaymentResult {
  /** The order is known; otherwise nothing was written. */
  readonly known: boolean;
  readonly classification: NotificationClassification;
  /** The notification row was inserted (not a delivery of one already stored). */
  readonly stored: boolean;
  /** Its PaymentSucceeded was written (no earlier notification of the same payment wrote it). */
  readonly written: boolean;
}

/** The PostgreSQL types of a KnownOrderPayment's values, in order: the arrays writeKnownOrderPayments unnests. */
const KNOWN_ORDER_PAYMENT_TYPES = [
  'text', // provider
  'text', // notification_key
  'text', // raw_body
  'text', // fields (jsonb text)
  'text', // order_no
  'text', // provider_transaction_id
  'text', // trade_status
  'text', // kind
  'timestamptz', // paid_at
  'bigint', // amount
  'text', // currency
  'uuid', // event_id
  'timestamptz', // received_at
  'inet', // source_ip
  'text', // trace_parent
  'uuid', // outbox event_id
  'text', // topic
  'text', // message_key
  'text', // envelope (jsonb text)
] as const;

/**
 * Callbacks that arrive together share a statement: at most 64 in one, and two statements at once (each holds one
 * of the pool's connections while it runs; the others stay free for the locked path and the relay).
 */
const GROUP_COMMIT = { maxGroup: 64, maxInFlight: 2 } as const;

/** Stores a notification unless the same one (provider and notification key) is stored; answers its id if stored. */
const INSERT_NOTIFICATION_COLUMNS = `
  INSERT INTO provider_notifications (provider, notification_key, raw_body, fields, order_no, provider_transaction_id,
    trade_status, kind, paid_at, amount, currency, classification, event_id, received_at, source_ip, trace_parent)`;
const INSERT_NOTIFICATION = `${INSERT_NOTIFICATION_COLUMNS}
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
  ON CONFLICT (provider, notification_key) DO NOTHING RETURNING id`;
/** The index of the classification among notificationRow's values ($12). */
const CLASSIFICATION_PARAM = 11;

/** The parameters $1-$16 of INSERT_NOTIFICATION. */
function notificationRow(
  notification: VerifiedNotification,
  receipt: NotificationReceipt,
  classification: NotificationClassification,
  eventId: string | undefined,
): unknown[] {
  return [
    notification.provider,
    notification.notificationKey,
    receipt.rawBody,
    storableFields(notification.fields),
    notification.orderNo,
    notification.providerTransactionId,
    notification.tradeStatus,
    notification.kind,
    notification.paidAt ?? null,
    notification.amount.amount,
    notification.amount.currency,
    classification,
    eventId ?? null,
    receipt.receivedAt,
    receipt.sourceIp,
    traceparentOf() ?? null,
  ];
}

function classify(notification: VerifiedNotification, order: KnownOrder | undefined): NotificationClassification {
  // About no order at all (a Stripe event another integration on the account caused): kept, never an orphan.
  if (notification.orderNo === '' && notification.kind !== 'payment-succeeded') return 'non_payment';
  if (order === undefined) {
    // An order we never heard of is stored as an orphan, acknowledged, and produces no event. Why acknowledge
    // instead of refusing so the provider retries: the provider must be answered quickly and independently of
    // the order-service (this service never calls it while a provider waits); the money is real, so the
    // notification must be kept (a refund needs it), and a retry loop would only delay that; and an orphan row
    // is visible to operators (classification 'orphan', indexed for review) instead of hidden in a retry queue.
    // The race: a callback can overtake its OrderCreated event (the projection lags behind the order-service,
    // by seconds under load). Such an orphan is adopted when the OrderCreated arrives: KnownOrdersService then
    // writes its PaymentSucceeded, so a real payment for a real order is never left behind.
    return 'orphan';
  }
  if (notification.kind !== 'payment-succeeded') return 'non_payment';
  const matches = notification.amount.amount === order.totalAmount && notification.amount.currency === order.currency;
  return matches ? 'payment' : 'amount_mismatch';
}

/** A UTF-16 surrogate without its other half. */
export const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * The decoded fields as jsonb text. jsonb holds neither U+0000 nor a lone surrogate (PostgreSQL refuses both
 * escapes), yet a genuinely signed notification may carry one (%00 in a form value, "\ud800" in JSON): each is
 * stored as U+FFFD in `fields`, while raw_body keeps the notification exactly as received.
 */
function storableFields(fields: Readonly<Record<string, string>>): string {
  const clean = (text: string): string => text.replace(LONE_SURROGATE, '\ufffd').replaceAll('\u0000', '\ufffd');
  return JSON.stringify(Object.fromEntries(Object.entries(fields).map(([k, v]) => [clean(k), clean(v)])));
}
