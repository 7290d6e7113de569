import { HttpStatus } from '@nestjs/common';
import { type Money, fromStripeAmount } from '@shop/money';
import {
  type NotificationInput,
  type NotificationKind,
  type NotificationRejectReason,
  type NotificationVerdict,
  type NotificationVerifier,
  type ProviderHttpResponse,
  rejectNotification,
} from '../notification-verifier';
import { ProviderError } from '../provider-error';
import type { StripeVerifierConfig } from './stripe.config';
import { type StripeJsonObject, isStripeObject, paymentIntentIdOf } from './stripe-objects';
import { verifyStripeSignature } from './stripe-signature';

const PROVIDER = 'stripe';
const JSON_CONTENT_TYPE = 'application/json';
const DEFAULT_TOLERANCE_SECONDS = 300;
const WEBHOOK_SECRET = /^whsec_\S+$/;
const PAID_SESSION_EVENTS = new Set(['checkout.session.completed', 'checkout.session.async_payment_succeeded']);

/**
 * Stripe webhooks: the signed timestamp within the tolerance of `now` (both ways), the v1 signature with the
 * endpoint's secret (through the official stripe.webhooks.constructEvent), then the event mapped. Both paid events
 * of one payment (checkout.session.completed and payment_intent.succeeded) carry the PaymentIntent id as
 * providerTransactionId, so they yield one event id. Holds no API key: it never calls Stripe.
 */
export class StripeNotificationVerifier implements NotificationVerifier {
  readonly name = PROVIDER;
  private readonly webhookSecret: string;
  private readonly toleranceSeconds: number;
  private readonly now: () => Date;

  constructor(config: StripeVerifierConfig) {
    const problems: string[] = [];
    // Messages name the rule, never the value: this is a secret.
    if (typeof config.webhookSecret !== 'string' || !WEBHOOK_SECRET.test(config.webhookSecret)) {
      problems.push('webhookSecret must be the endpoint signing secret, whsec_... without whitespace');
    }
    const tolerance = config.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
    // 0 would switch the SDK's own timestamp check off.
    if (!Number.isInteger(tolerance) || tolerance < 1 || tolerance > 86_400) {
      problems.push('toleranceSeconds must be an integer from 1 to 86400');
    }
    if (problems.length > 0) {
      throw new ProviderError(
        'PROVIDER_CONFIG_INVALID',
        `Stripe configuration is invalid: ${problems.join('; ')}`,
        HttpStatus.INTERNAL_SERVER_ERROR,
        { problems },
      );
    }
    this.webhookSecret = config.webhookSecret;
    this.toleranceSeconds = tolerance;
    this.now = config.now ?? (() => new Date());
  }

  /**
   * Verifies a Stripe webhook: JSON content type, the signed timestamp within the tolerance of `now` (both ways),
   * then the v1 signature with the official stripe.webhooks.constructEvent; and maps the event.
   */
  verify(input: NotificationInput): NotificationVerdict {
    const mediaType = (input.contentType ?? '').split(';')[0].trim().toLowerCase();
    if (mediaType !== JSON_CONTENT_TYPE) {
      return rejectNotification('UNSUPPORTED_CONTENT_TYPE', `Stripe webhooks are ${JSON_CONTENT_TYPE}`);
    }
    if (input.rawBody === '') return rejectNotification('MALFORMED', 'Stripe webhook body is empty');
    const header = headerValue(input.headers, 'stripe-signature');
    if (header === undefined)
      return rejectNotification('MALFORMED', 'Stripe webhook lacks one Stripe-Signature header');
    const signed = verifyStripeSignature(
      input.rawBody,
      header,
      this.webhookSecret,
      this.toleranceSeconds,
      this.now().getTime(),
    );
    if (!signed.ok) return rejectNotification(signed.reason, signed.detail);
    return mapEvent(signed.event, header, signed.timestamp);
  }

  /** Stripe stops retrying on any 2xx; it ignores the body, this one is what its docs show. */
  acknowledge(): ProviderHttpResponse {
    return { status: 200, contentType: 'application/json', body: '{"received":true}' };
  }

  /** Any non-2xx makes Stripe retry (for up to 3 days); 400 for a refused webhook, 500 for our own failure. */
  reject(reason: NotificationRejectReason | 'INTERNAL_ERROR'): ProviderHttpResponse {
    return {
      status: reason === 'INTERNAL_ERROR' ? 500 : 400,
      contentType: 'application/json',
      body: JSON.stringify({ error: reason }),
    };
  }
}

function mapEvent(parsed: unknown, header: string, timestamp: number): NotificationVerdict {
  if (!isStripeObject(parsed) || parsed.object !== 'event') {
    return rejectNotification('MALFORMED', 'Stripe webhook body is not an event object');
  }
  const { id, type, created, data } = parsed;
  if (typeof id !== 'string' || !id.startsWith('evt_') || typeof type !== 'string' || type === '') {
    return rejectNotification('MALFORMED', 'Stripe event lacks id (evt_...) or type');
  }
  if (!Number.isSafeInteger(created) || !isStripeObject(data) || !isStripeObject(data.object)) {
    return rejectNotification('MALFORMED', 'Stripe event lacks created or data.object');
  }
  const object = data.object;
  const fields = eventFields(parsed, object, header, timestamp);
  // No replayKey: Stripe signs no nonce, so two honest deliveries in the same second are byte-identical, and a
  // replayed copy is harmless anyway: the event id dedupes it and the 300 s tolerance bounds it.
  const base = { provider: PROVIDER, notificationKey: id, tradeStatus: type, fields };

  let kind: NotificationKind = 'other';
  if (PAID_SESSION_EVENTS.has(type) && object.object === 'checkout.session' && object.payment_status === 'paid') {
    kind = 'payment-succeeded';
  } else if (type === 'payment_intent.succeeded' && object.object === 'payment_intent') {
    kind = 'payment-succeeded';
  } else if (type === 'checkout.session.expired' && object.object === 'checkout.session') {
    kind = 'payment-closed';
  } else if (type === 'charge.refunded' || type.startsWith('refund.') || type.startsWith('charge.refund.')) {
    // Money going back: settled by the refund's own answer and query, never a payment.
    kind = 'refund';
  }
  const claimed = orderNoOf(object);
  if (claimed.conflict) {
    return rejectNotification('MALFORMED', 'Stripe event client_reference_id and metadata.orderNo differ');
  }
  const { orderNo } = claimed;
  // A payment without our order number was not opened by our client (another integration on the account):
  // acknowledged and ignored rather than retried for three days.
  if (kind !== 'payment-succeeded' || orderNo === undefined) {
    return {
      ok: true,
      notification: {
        ...base,
        kind: kind === 'payment-succeeded' ? 'other' : kind,
        ...(kind === 'refund' && object.object === 'refund' && typeof refundNoOf(object) === 'string'
          ? { refundNo: refundNoOf(object) }
          : {}),
        orderNo: orderNo ?? '',
        providerTransactionId: paymentIntentIdOf(object) ?? (typeof object.id === 'string' ? object.id : ''),
        amount: bestEffortAmount(object),
        paidAt: undefined,
      },
    };
  }
  const isSession = object.object === 'checkout.session';
  const providerTransactionId = isSession ? paymentIntentIdOf(object) : object.id;
  if (typeof providerTransactionId !== 'string' || !providerTransactionId.startsWith('pi_')) {
    return rejectNotification('MALFORMED', 'Stripe paid event lacks the PaymentIntent id');
  }
  const minor = isSession ? object.amount_total : object.amount_received;
  let amount: Money;
  try {
    amount = fromStripeAmount(minor as number, object.currency as string);
  } catch {
    return rejectNotification('MALFORMED', `Stripe ${type} lacks an amount in a supported currency`);
  }
  return {
    ok: true,
    notification: {
      ...base,
      kind,
      orderNo,
      providerTransactionId,
      amount,
      paidAt: new Date((created as number) * 1000),
    },
  };
}

/**
 * client_reference_id (sessions) or metadata.orderNo (both); undefined when absent; a conflict when they differ.
 */
function orderNoOf(
  object: StripeJsonObject,
): { readonly conflict: true } | { readonly conflict: false; readonly orderNo: string | undefined } {
  const reference = typeof object.client_reference_id === 'string' ? object.client_reference_id : undefined;
  const fromMetadata =
    isStripeObject(object.metadata) && typeof object.metadata.orderNo === 'string'
      ? object.metadata.orderNo
      : undefined;
  if (reference !== undefined && fromMetadata !== undefined && reference !== fromMetadata) return { conflict: true };
  const orderNo = reference ?? fromMetadata;
  return { conflict: false, orderNo: orderNo === '' ? undefined : orderNo };
}

/** For events that are not payments: whatever amount the object names, or zero (the recorder needs Money). */
function bestEffortAmount(object: StripeJsonObject): Money {
  const minor = [object.amount_total, object.amount_received, object.amount].find((value) =>
    Number.isSafeInteger(value),
  );
  for (const [amount, currency] of [
    [minor ?? 0, object.currency],
    [0, 'usd'],
  ] as const) {
    try {
      return fromStripeAmount(amount as number, currency as string);
    } catch {
      // Unsupported or missing currency: fall through to zero.
    }
  }
  return fromStripeAmount(0, 'usd');
}

/** A flat audit record of what the event said; the raw body is stored beside it. */
function eventFields(
  event: StripeJsonObject,
  object: StripeJsonObject,
  header: string,
  timestamp: number,
): Record<string, string> {
  const fields: Record<string, string> = {
    event_id: String(event.id),
    event_type: String(event.type),
    event_created: String(event.created),
    livemode: String(event.livemode),
    signature_timestamp: String(timestamp),
    stripe_signature: header,
  };
  if (typeof event.api_version === 'string') fields.api_version = event.api_version;
  const scalar = (name: string, value: unknown): void => {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      fields[name] = String(value);
    }
  };
  for (const key of [
    'object',
    'id',
    'client_reference_id',
    'payment_status',
    'status',
    'amount_total',
    'amount_received',
    'amount',
    'currency',
  ]) {
    scalar(key === 'object' || key === 'id' ? `object_${key}` : key, object[key]);
  }
  scalar('payment_intent', paymentIntentIdOf(object));
  if (isStripeObject(object.metadata)) scalar('metadata_order_no', object.metadata.orderNo);
  return fields;
}

function headerValue(
  headers: Readonly<Record<string, string | string[] | undefined>>,
  name: string,
): string | undefined {
  let found: string | undefined;
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() !== name) continue;
    if (found !== undefined || typeof value !== 'string' || value === '') return undefined;
    found = value;
  }
  return found;
}

/** Our key of a refund object (metadata.refund_no, set by StripeClient.refundPayment). */
function refundNoOf(object: Readonly<Record<string, unknown>>): string | undefined {
  const metadata = object.metadata;
  if (typeof metadata !== 'object' || metadata === null) return undefined;
  const refundNo = (metadata as Record<string, unknown>).refund_no;
  return typeof refundNo === 'string' && refundNo !== '' ? refundNo : undefined;
}
