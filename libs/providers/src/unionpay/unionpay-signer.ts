// UnionPay ACP 5.1.0 signMethod 01 (docs/providers.md, UnionPay): a double hash. The signing string's
// SHA-256 is written as lowercase hex, and SHA256withRSA signs the ASCII of that hex text, not the string itself.
import { type KeyObject, createHash, createSign, createVerify } from 'node:crypto';
import { isCanonicalBase64 } from '../base64-signature';

/** Fields as UnionPay sees them: decoded text values; undefined and blank values are left out of signatures. */
export type UnionPayFields = Readonly<Record<string, string | undefined>>;

/** The one field a UnionPay signature does not cover (certId, signMethod and signPubKeyCert are covered). */
export const UNIONPAY_UNSIGNED_KEY = 'signature';

const isBlank = (value: string | undefined): value is undefined => value === undefined || value.trim() === '';

/**
 * The signing string: every field but `signature`, blank values dropped, keys sorted by ASCII (code unit) order,
 * joined raw (never URL-encoded) as k=v&k=v.
 */
export function unionPaySigningString(fields: UnionPayFields): string {
  return Object.keys(fields)
    .filter((key) => key !== UNIONPAY_UNSIGNED_KEY && !isBlank(fields[key]))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => `${key}=${fields[key]}`)
    .join('&');
}

/** The first hash: lowercase hex SHA-256 of the UTF-8 signing string. */
export function unionPayDigestHex(signingString: string): string {
  return createHash('sha256').update(signingString, 'utf8').digest('hex');
}

/** The `signature` for `fields`: base64 SHA256withRSA (PKCS#1 v1.5) over the ASCII of the hex digest. */
export function signUnionPayFields(fields: UnionPayFields, privateKey: KeyObject): string {
  const hex = unionPayDigestHex(unionPaySigningString(fields));
  return createSign('RSA-SHA256').update(hex, 'ascii').sign(privateKey, 'base64');
}

/** Checks `fields.signature` against `fields`; false (never a throw) for a missing or malformed signature. */
export function verifyUnionPayFields(fields: UnionPayFields, publicKey: KeyObject): boolean {
  const signature = fields[UNIONPAY_UNSIGNED_KEY];
  if (typeof signature !== 'string' || signature === '' || !isCanonicalBase64(signature)) return false;
  const hex = unionPayDigestHex(unionPaySigningString(fields));
  try {
    return createVerify('RSA-SHA256').update(hex, 'ascii').verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

/**
 * Parses a synchronous gateway answer. UnionPay answers `k=v&k=v` WITHOUT URL-encoding (the base64 signature keeps
 * its '+', the certificate its line breaks), so URLSearchParams would corrupt it. Like the official SDK
 * (SDKUtil.parseQString), an '&' inside a {...} or [...] value does not end the value. Throws on a repeated key.
 */
export function parseUnionPayAnswer(text: string): Record<string, string> {
  // No prototype: a "__proto__" field must stay a field.
  const fields: Record<string, string> = Object.create(null) as Record<string, string>;
  let key: string | undefined;
  let buffer = '';
  let close: string | undefined;
  const flush = (): void => {
    if (key === undefined) {
      if (buffer !== '') throw new Error(`UnionPay answer has a field without "=": ${buffer.slice(0, 40)}`);
    } else {
      if (Object.hasOwn(fields, key)) throw new Error(`UnionPay answer repeats ${key}`);
      fields[key] = buffer;
    }
    key = undefined;
    buffer = '';
  };
  for (const char of text) {
    if (key === undefined) {
      if (char === '=') {
        key = buffer;
        buffer = '';
      } else if (char === '&') {
        flush(); // "&&" and a trailing '&' are tolerated; a key without '=' is not
      } else {
        buffer += char;
      }
      continue;
    }
    if (close !== undefined) {
      if (char === close) close = undefined;
    } else if (char === '{') {
      close = '}';
    } else if (char === '[') {
      close = ']';
    }
    if (char === '&' && close === undefined) flush();
    else buffer += char;
  }
  flush();
  return { ...fields };
}
