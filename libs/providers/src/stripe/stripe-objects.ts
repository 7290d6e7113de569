// Reading what Stripe sends, shared by the client (API answers) and the notification verifier (webhook events):
// both must name a payment by the same PaymentIntent id, and recognise the SDK's errors the same way.

export type StripeJsonObject = Record<string, unknown>;

export function isStripeObject(value: unknown): value is StripeJsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The PaymentIntent id of a session or charge (a plain id or an expanded object); the payment's transaction id. */
export function paymentIntentIdOf(object: StripeJsonObject): string | undefined {
  const intent = object.payment_intent;
  if (typeof intent === 'string' && intent !== '') return intent;
  if (isStripeObject(intent) && typeof intent.id === 'string') return intent.id;
  return undefined;
}

/** What the official client's errors carry that we act on. */
export interface StripeErrorLike {
  readonly type: string;
  readonly rawType?: string;
  readonly code?: string;
  readonly statusCode?: number;
  readonly requestId?: string;
  readonly param?: string;
}

/** Duck-typed: the SDK's error classes may come from another realm (Jest's vm). */
export function stripeErrorOf(error: unknown): StripeErrorLike | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const type = (error as { type?: unknown }).type;
  return typeof type === 'string' && type.startsWith('Stripe') ? (error as StripeErrorLike) : undefined;
}

export function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
