// The simulator's own implementation of Stripe's webhook signing, written apart from @shop/providers (which uses the
// official SDK) on purpose: two independent implementations that must agree catch a mistake in either.
import { createHmac } from 'node:crypto';

/**
 * The Stripe-Signature header Stripe sends: `t=<unix seconds>,v1=<hex>`, where v1 is HMAC-SHA256 keyed by the whole
 * endpoint secret (whsec_ prefix included) over "<t>.<raw body>".
 */
export function stripeSignatureHeader(rawBody: string, secret: string, timestamp: number): string {
  const t = Math.floor(timestamp);
  const v1 = createHmac('sha256', secret).update(`${t}.${rawBody}`, 'utf8').digest('hex');
  return `t=${t},v1=${v1}`;
}
