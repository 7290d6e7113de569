import { type KeyObject, createPrivateKey, createPublicKey } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { ProviderError } from './provider-error';

// Providers demand RSA 2048 or more; a shorter key is a configuration mistake, not something to run with.
const MIN_RSA_BITS = 2048;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function keyError(label: string, rule: string): ProviderError {
  // Never the key text nor a crypto library message: either can echo key material into logs.
  return new ProviderError('PROVIDER_KEY_INVALID', `${label} ${rule}`, HttpStatus.INTERNAL_SERVER_ERROR);
}

/** Environment variables often carry PEM with literal "\n" sequences; restore real line breaks. */
function normalise(text: string): string {
  return text.replace(/\\r/g, '').replace(/\\n/g, '\n').trim();
}

function rawDer(text: string, label: string): Buffer {
  const compact = text.replace(/\s+/g, '');
  if (compact.length === 0 || compact.length % 4 !== 0 || !BASE64.test(compact)) {
    throw keyError(label, 'is neither PEM nor base64 DER');
  }
  return Buffer.from(compact, 'base64');
}

function requireRsa(key: KeyObject, label: string): KeyObject {
  if (key.asymmetricKeyType !== 'rsa') {
    throw keyError(label, `is a ${key.asymmetricKeyType ?? 'non-asymmetric'} key; RSA is required`);
  }
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < MIN_RSA_BITS) {
    throw keyError(label, `is RSA ${bits}; at least RSA ${MIN_RSA_BITS} is required`);
  }
  return key;
}

function tryParse<T>(attempts: Array<() => T>): T | undefined {
  for (const attempt of attempts) {
    try {
      return attempt();
    } catch {
      // Try the next format; the caller reports one clear error if none fits.
    }
  }
  return undefined;
}

/**
 * Parses an RSA private key given as PEM or as raw base64 DER without header lines, PKCS#1 or PKCS#8 (the forms
 * provider consoles hand out). Throws PROVIDER_KEY_INVALID, naming `label` but never the key.
 */
export function parsePrivateKey(text: string | KeyObject, label = 'Private key'): KeyObject {
  if (typeof text !== 'string') {
    if (text.type !== 'private') throw keyError(label, `is a ${text.type} key; a private key is required`);
    return requireRsa(text, label);
  }
  const input = normalise(text);
  let key: KeyObject | undefined;
  if (input.startsWith('-----BEGIN')) {
    if (!/-----BEGIN (RSA )?PRIVATE KEY-----/.test(input)) {
      throw keyError(label, 'is PEM but not a "PRIVATE KEY" or "RSA PRIVATE KEY" block');
    }
    key = tryParse([() => createPrivateKey({ key: input, format: 'pem' })]);
  } else {
    const der = rawDer(input, label);
    key = tryParse([
      () => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
      () => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }),
    ]);
  }
  if (key === undefined) throw keyError(label, 'cannot be parsed as a PKCS#1 or PKCS#8 RSA private key');
  return requireRsa(key, label);
}

/**
 * Parses an RSA public key given as PEM or raw base64 DER: SPKI ("PUBLIC KEY", what Alipay's console shows) or
 * PKCS#1 ("RSA PUBLIC KEY"). A private key is refused: it must never sit in a public-key setting.
 */
export function parsePublicKey(text: string | KeyObject, label = 'Public key'): KeyObject {
  if (typeof text !== 'string') {
    if (text.type !== 'public') throw keyError(label, `is a ${text.type} key; a public key is required`);
    return requireRsa(text, label);
  }
  const input = normalise(text);
  let key: KeyObject | undefined;
  if (input.startsWith('-----BEGIN')) {
    if (!/-----BEGIN (RSA )?PUBLIC KEY-----/.test(input)) {
      // createPublicKey would happily derive a public key from private PEM, hiding a leaked secret.
      throw keyError(label, 'is PEM but not a "PUBLIC KEY" or "RSA PUBLIC KEY" block');
    }
    key = tryParse([() => createPublicKey({ key: input, format: 'pem' })]);
  } else {
    const der = rawDer(input, label);
    const isPrivate = tryParse([
      () => createPrivateKey({ key: der, format: 'der', type: 'pkcs8' }),
      () => createPrivateKey({ key: der, format: 'der', type: 'pkcs1' }),
    ]);
    if (isPrivate !== undefined) throw keyError(label, 'is a private key; the public key is required');
    key = tryParse([
      () => createPublicKey({ key: der, format: 'der', type: 'spki' }),
      () => createPublicKey({ key: der, format: 'der', type: 'pkcs1' }),
    ]);
  }
  if (key === undefined) throw keyError(label, 'cannot be parsed as an SPKI or PKCS#1 RSA public key');
  return requireRsa(key, label);
}
