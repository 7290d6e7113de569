import { randomBytes } from 'node:crypto';

/** A Stripe test-mode API key and a webhook endpoint signing secret, as a merchant copies them from the dashboard. */
export interface StripeSecrets {
  /** sk_test_...: the Bearer token of API calls. */
  readonly secretKey: string;
  /** whsec_...: the HMAC key of webhook signatures. */
  readonly webhookSecret: string;
}

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` random letters and digits, as Stripe's ids and keys use. */
export function randomAlphanumeric(length: number): string {
  let text = '';
  while (text.length < length) {
    for (const byte of randomBytes(length)) {
      // 248 = 4 * 62: rejecting larger bytes keeps every character equally likely.
      if (byte < 248 && text.length < length) text += ALPHANUMERIC[byte % 62];
    }
  }
  return text;
}

/** Fresh random secrets in Stripe's formats; test mode only, so they can never be mistaken for live keys. */
export function generateStripeSecrets(): StripeSecrets {
  return { secretKey: `sk_test_${randomAlphanumeric(99)}`, webhookSecret: `whsec_${randomAlphanumeric(32)}` };
}
