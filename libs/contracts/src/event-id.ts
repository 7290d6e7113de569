import { createHash } from 'node:crypto';

// A fixed namespace for this system's name-based event ids (UUID version 5, RFC 9562).
const NAMESPACE = Buffer.from('6f1d9a1e4c0b4b8e9a4e2f7c3d5b8a10', 'hex');

/**
 * The same inputs always give the same event id, e.g. ("alipay", "2026...trade_no", "PaymentSucceeded"):
 * a callback and an active query of one payment produce one event, and the inboxes collapse the rest.
 */
export function deterministicEventId(...parts: string[]): string {
  const hash = createHash('sha1')
    .update(NAMESPACE)
    .update(parts.map((p) => `${p.length}:${p}`).join('|'))
    .digest();
  hash[6] = (hash[6] & 0x0f) | 0x50;
  hash[8] = (hash[8] & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
