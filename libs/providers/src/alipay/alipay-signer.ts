// Alipay's RSA2 signing rules for requests, notifications and answers (docs/providers.md, Alipay).
import { type KeyObject, createSign, createVerify } from 'node:crypto';
import { ProviderError } from '../provider-error';
import { type RawJsonMember, rawJsonMembers } from '../raw-json-members';
import { isCanonicalBase64 } from '../base64-signature';

/** Parameters as Alipay sees them: decoded text values; undefined and "" are left out of signatures. */
export type AlipayParams = Readonly<Record<string, string | undefined>>;

/** Keys a request signature does not cover: only the signature itself (sign_type is signed). */
export const ALIPAY_REQUEST_UNSIGNED_KEYS: readonly string[] = Object.freeze(['sign']);
/** Keys a notification signature does not cover: the signature and sign_type. */
export const ALIPAY_NOTIFICATION_UNSIGNED_KEYS: readonly string[] = Object.freeze(['sign', 'sign_type']);

/**
 * The text Alipay signs: every key except `unsignedKeys`, empty values dropped, keys sorted by ASCII (code unit)
 * order, joined raw (never URL-encoded) as k=v&k=v.
 */
export function alipaySigningString(params: AlipayParams, unsignedKeys: readonly string[]): string {
  return Object.keys(params)
    .filter((key) => !unsignedKeys.includes(key))
    .filter((key) => {
      const value = params[key];
      return value !== undefined && value !== '';
    })
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => `${key}=${params[key]}`)
    .join('&');
}

/** SHA256withRSA (PKCS#1 v1.5) over the UTF-8 bytes of `content`, base64. */
export function rsa2Sign(content: string, privateKey: KeyObject): string {
  return createSign('RSA-SHA256').update(content, 'utf8').sign(privateKey, 'base64');
}

/** Checks an RSA2 signature; false for any malformed signature rather than a throw. */
export function rsa2Verify(content: string, signature: string | undefined, publicKey: KeyObject): boolean {
  if (typeof signature !== 'string' || signature.length === 0 || !isCanonicalBase64(signature)) return false;
  try {
    return createVerify('RSA-SHA256').update(content, 'utf8').verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

/** The `sign` value of a request: covers every parameter but `sign` itself, sign_type included. */
export function signAlipayRequest(params: AlipayParams, appPrivateKey: KeyObject): string {
  return rsa2Sign(alipaySigningString(params, ALIPAY_REQUEST_UNSIGNED_KEYS), appPrivateKey);
}

/** Verifies a request's `sign` (what Alipay's gateway does with the application public key). */
export function verifyAlipayRequest(params: AlipayParams, appPublicKey: KeyObject): boolean {
  return rsa2Verify(alipaySigningString(params, ALIPAY_REQUEST_UNSIGNED_KEYS), params.sign, appPublicKey);
}

/** Signs notification fields as Alipay does (sign and sign_type excluded) and returns the `sign` value. */
export function signAlipayNotification(fields: AlipayParams, alipayPrivateKey: KeyObject): string {
  return rsa2Sign(alipaySigningString(fields, ALIPAY_NOTIFICATION_UNSIGNED_KEYS), alipayPrivateKey);
}

/** Verifies decoded notification fields (decode once, never twice) with Alipay's public key. */
export function verifyAlipayNotification(fields: AlipayParams, alipayPublicKey: KeyObject): boolean {
  return rsa2Verify(alipaySigningString(fields, ALIPAY_NOTIFICATION_UNSIGNED_KEYS), fields.sign, alipayPublicKey);
}

/** An Alipay answer whose signature was verified over the raw `<method>_response` text. */
export interface VerifiedAlipayAnswer {
  /** `alipay_trade_precreate_response`, or `error_response` for gateway-level errors. */
  readonly responseKey: string;
  readonly response: Readonly<Record<string, unknown>>;
}

/** `alipay.trade.precreate` -> `alipay_trade_precreate_response`. */
export function alipayResponseKey(method: string): string {
  return `${method.replaceAll('.', '_')}_response`;
}

/**
 * Verifies a synchronous gateway answer: the signature covers the raw JSON text of the `<method>_response` (or
 * `error_response`) value exactly as sent, so it is cut out of the answer text, never re-serialised. Throws
 * PROVIDER_ANSWER_INVALID for a malformed answer and PROVIDER_ANSWER_SIGNATURE_INVALID when unsigned or forged.
 */
export function verifyAlipayAnswer(rawText: string, method: string, alipayPublicKey: KeyObject): VerifiedAlipayAnswer {
  let members: RawJsonMember[];
  try {
    members = rawJsonMembers(rawText);
  } catch {
    throw new ProviderError('PROVIDER_ANSWER_INVALID', `Alipay answer to ${method} is not a JSON object`);
  }
  const expectedKey = alipayResponseKey(method);
  const candidates = members.filter((m) => m.key === expectedKey || m.key === 'error_response');
  const signs = members.filter((m) => m.key === 'sign');
  if (candidates.length !== 1 || signs.length > 1) {
    // Two response objects (or two signatures) leave it open which one was signed: refuse the ambiguity.
    throw new ProviderError(
      'PROVIDER_ANSWER_INVALID',
      `Alipay answer to ${method} must hold exactly one ${expectedKey} or error_response and at most one sign`,
    );
  }
  const member = candidates[0];
  const response: unknown = JSON.parse(member.rawValue);
  if (typeof response !== 'object' || response === null || Array.isArray(response)) {
    throw new ProviderError('PROVIDER_ANSWER_INVALID', `Alipay answer ${member.key} is not a JSON object`);
  }
  const sign: unknown = signs[0] === undefined ? undefined : JSON.parse(signs[0].rawValue);
  if (typeof sign !== 'string' || sign === '') {
    throw new ProviderError(
      'PROVIDER_ANSWER_SIGNATURE_INVALID',
      `Alipay answer to ${method} is not signed`,
      undefined,
      {
        responseKey: member.key,
      },
    );
  }
  if (!rsa2Verify(member.rawValue, sign, alipayPublicKey)) {
    throw new ProviderError(
      'PROVIDER_ANSWER_SIGNATURE_INVALID',
      `Alipay answer to ${method} fails signature verification with the configured Alipay public key`,
      undefined,
      { responseKey: member.key },
    );
  }
  return { responseKey: member.key, response: response as Record<string, unknown> };
}
