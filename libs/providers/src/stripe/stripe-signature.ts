// Stripe's webhook signature (Stripe-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">): the window
// check is ours (both directions, on our clock), the HMAC check is the official SDK's constructEvent.
import Stripe from 'stripe';
import { stripeErrorOf } from './stripe-objects';

/** Why a signature was refused; a subset of NotificationRejectReason. */
export type StripeSignatureFailure = 'MALFORMED' | 'STALE_TIMESTAMP' | 'BAD_SIGNATURE';

/** The outcome of checking one webhook: its parsed JSON and signed timestamp, or why it is refused. */
export type StripeSignatureCheck =
  | { readonly ok: true; readonly event: unknown; readonly timestamp: number }
  | { readonly ok: false; readonly reason: StripeSignatureFailure; readonly detail: string };

/** The t= of a Stripe-Signature header with at least one v1=; undefined when malformed or t is repeated. */
export function stripeSignedTimestamp(header: string): number | undefined {
  let timestamp: number | undefined;
  let signatures = 0;
  for (const item of header.split(',')) {
    const at = item.indexOf('=');
    const key = item.slice(0, at).trim();
    const value = item.slice(at + 1).trim();
    if (at < 0) return undefined;
    if (key === 't') {
      if (timestamp !== undefined || !/^\d{1,12}$/.test(value)) return undefined;
      timestamp = Number(value);
    } else if (key === 'v1' && value !== '') {
      signatures++;
    }
  }
  return signatures > 0 ? timestamp : undefined;
}

/**
 * Checks a webhook's Stripe-Signature over the raw body: one t= within `toleranceSeconds` of `nowMs` either way
 * (the SDK only refuses the past), then a v1 signature by `secret`. Messages never quote the header or the body.
 */
export function verifyStripeSignature(
  rawBody: string,
  header: string,
  secret: string,
  toleranceSeconds: number,
  nowMs: number,
): StripeSignatureCheck {
  const timestamp = stripeSignedTimestamp(header);
  if (timestamp === undefined) {
    return {
      ok: false,
      reason: 'MALFORMED',
      detail: 'Stripe-Signature must carry one t=<unix seconds> and at least one v1=<hex>',
    };
  }
  const age = Math.floor(nowMs / 1000) - timestamp;
  if (age > toleranceSeconds) {
    return {
      ok: false,
      reason: 'STALE_TIMESTAMP',
      detail: `Stripe webhook was signed more than ${toleranceSeconds} s ago`,
    };
  }
  if (-age > toleranceSeconds) {
    return {
      ok: false,
      reason: 'STALE_TIMESTAMP',
      detail: `Stripe webhook is signed more than ${toleranceSeconds} s ahead`,
    };
  }
  try {
    // receivedAt = our clock, so the SDK's own (past-only) window check agrees with ours.
    const event: unknown = Stripe.webhooks.constructEvent(rawBody, header, secret, toleranceSeconds, undefined, nowMs);
    return { ok: true, event, timestamp };
  } catch (error) {
    if (stripeErrorOf(error)?.type === 'StripeSignatureVerificationError') {
      // The SDK's message is not passed on: it quotes the header and payload.
      return { ok: false, reason: 'BAD_SIGNATURE', detail: 'Stripe-Signature does not verify with the webhook secret' };
    }
    return { ok: false, reason: 'MALFORMED', detail: 'Stripe webhook body is not JSON' };
  }
}
