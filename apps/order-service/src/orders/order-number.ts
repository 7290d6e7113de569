import { randomBytes } from 'node:crypto';

// Crockford's base32: digits and upper-case letters without I, L, O, U (nothing to misread on a phone call). Its
// characters are in ASCII order, so the random part sorts like the number it encodes.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_CHARS = 10;

/** What every order number looks like: 14 UTC time digits, then 10 base32 characters. */
export const ORDER_NO_PATTERN = /^\d{14}[0-9A-HJKMNP-TV-Z]{10}$/;

/**
 * A new order number, e.g. "20251127093015K7QX2M9D4B": the UTC time to the second (yyyyMMddHHmmss), so numbers
 * sort by creation time across seconds, then 50 random bits from the CSPRNG, so numbers are not guessable from
 * a neighbour and a collision within one second is about one in 10^15 per pair (the unique index still has the
 * last word). 24 letters and digits fit every provider: WeChat Pay 6..32, UnionPay 8..40 alphanumeric,
 * Alipay up to 64, and our own contracts' 8..32.
 */
export function newOrderNo(now: Date = new Date(), random: (size: number) => Buffer = randomBytes): string {
  const time = now.toISOString().slice(0, 19).replace(/\D/g, '');
  const bytes = random(RANDOM_CHARS);
  let suffix = '';
  // 256 is a multiple of 32, so the low 5 bits of a uniform byte are uniform: no modulo bias.
  for (let i = 0; i < RANDOM_CHARS; i++) suffix += ALPHABET[bytes[i] & 31];
  return time + suffix;
}
