// The simulator's own implementation of Alipay's RSA2 rules, written apart from @shop/providers on purpose: two
// independent implementations that must agree (plus the alipay-sdk contract spec) catch a mistake in either.
import { type KeyObject, createPrivateKey, createPublicKey, createSign, createVerify } from 'node:crypto';
import { SimulatorError } from '../simulator-error';

/** Alipay's signing text: keys except `excluded`, empty values dropped, ASCII order, raw k=v joined by &. */
export function signingText(params: Readonly<Record<string, string | undefined>>, excluded: readonly string[]): string {
  const pairs: string[] = [];
  for (const key of Object.keys(params).sort()) {
    const value = params[key];
    if (excluded.includes(key) || value === undefined || value === '') continue;
    pairs.push(`${key}=${value}`);
  }
  return pairs.join('&');
}

/** SHA256withRSA, base64. */
export function rsa2(text: string, privateKey: KeyObject): string {
  return createSign('RSA-SHA256').update(Buffer.from(text, 'utf8')).sign(privateKey).toString('base64');
}

/** Verifies an RSA2 signature; false for a malformed one. */
export function rsa2Check(text: string, signature: string | undefined, publicKey: KeyObject): boolean {
  if (!signature) return false;
  try {
    return createVerify('RSA-SHA256')
      .update(Buffer.from(text, 'utf8'))
      .verify(publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

function body(text: string): string {
  return text
    .replace(/\\n/g, '\n')
    .replace(/-----[A-Z ]+-----/g, '')
    .replace(/\s+/g, '');
}

/** Loads a private key as merchants hold them: PEM, or raw base64 PKCS#8 / PKCS#1. */
export function loadPrivateKey(key: string | KeyObject, label: string): KeyObject {
  if (typeof key !== 'string') return key;
  const der = Buffer.from(body(key), 'base64');
  for (const type of ['pkcs8', 'pkcs1'] as const) {
    try {
      return createPrivateKey({ key: der, format: 'der', type });
    } catch {
      // next format
    }
  }
  throw new SimulatorError('SIMULATOR_KEY_INVALID', `${label} is not a PKCS#8 or PKCS#1 RSA private key`);
}

/** Loads a public key: PEM, or raw base64 SPKI / PKCS#1. */
export function loadPublicKey(key: string | KeyObject, label: string): KeyObject {
  if (typeof key !== 'string') return key;
  if (/PRIVATE KEY/.test(key)) throw new SimulatorError('SIMULATOR_KEY_INVALID', `${label} is a private key`);
  const der = Buffer.from(body(key), 'base64');
  for (const type of ['spki', 'pkcs1'] as const) {
    try {
      return createPublicKey({ key: der, format: 'der', type });
    } catch {
      // next format
    }
  }
  throw new SimulatorError('SIMULATOR_KEY_INVALID', `${label} is not an SPKI or PKCS#1 RSA public key`);
}
