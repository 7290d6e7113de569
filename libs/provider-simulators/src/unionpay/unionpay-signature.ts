// The simulator's own implementation of UnionPay's signMethod 01, written apart from @shop/providers on purpose:
// two independent implementations that must agree catch a mistake in either.
import { type KeyObject, createHash, createPrivateKey, createSign, createVerify } from 'node:crypto';
import { SimulatorError } from '../simulator-error';

/** UnionPay's signing text: all fields but signature, blank values dropped, ASCII order, raw k=v joined by &. */
export function acpSigningText(fields: Readonly<Record<string, string | undefined>>): string {
  const pairs: string[] = [];
  for (const key of Object.keys(fields).sort()) {
    const value = fields[key];
    if (key === 'signature' || value === undefined || value.trim().length === 0) continue;
    pairs.push(`${key}=${value}`);
  }
  return pairs.join('&');
}

/** sha256(text) as lowercase hex, then SHA256withRSA over those hex characters, base64. */
export function acpSign(fields: Readonly<Record<string, string | undefined>>, privateKey: KeyObject): string {
  const hex = createHash('sha256')
    .update(Buffer.from(acpSigningText(fields), 'utf8'))
    .digest('hex');
  return createSign('sha256').update(Buffer.from(hex, 'latin1')).sign(privateKey).toString('base64');
}

/** Verifies fields.signature; false for a malformed one. */
export function acpVerify(fields: Readonly<Record<string, string | undefined>>, publicKey: KeyObject): boolean {
  const signature = fields.signature;
  if (!signature) return false;
  const hex = createHash('sha256')
    .update(Buffer.from(acpSigningText(fields), 'utf8'))
    .digest('hex');
  try {
    return createVerify('sha256')
      .update(Buffer.from(hex, 'latin1'))
      .verify(publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** UnionPay's synchronous answer format: k=v&k=v, NOT URL-encoded (as the real gateway writes it). */
export function acpAnswerText(fields: Readonly<Record<string, string>>): string {
  return Object.entries(fields)
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
}

/** Loads a private key: PEM (PKCS#8 or PKCS#1) or a KeyObject. */
export function loadAcpPrivateKey(key: string | KeyObject, label: string): KeyObject {
  if (typeof key !== 'string') return key;
  try {
    return createPrivateKey(key.replace(/\\n/g, '\n'));
  } catch {
    throw new SimulatorError('SIMULATOR_KEY_INVALID', `${label} is not a PEM private key`);
  }
}
