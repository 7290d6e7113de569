// The simulator's own implementation of WeChat Pay API v3 signing and encryption, written apart from
// @shop/providers on purpose: two independent implementations that must agree (plus the wechatpay-axios-plugin
// contract spec) catch a mistake in either.
import { type KeyObject, createCipheriv, createDecipheriv, createSign, createVerify, randomInt } from 'node:crypto';

const ALPHANUMERIC = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** A random string of letters and digits (WeChat Pay's nonces and resource nonces). */
export function randomAlphanumeric(length: number): string {
  let text = '';
  for (let i = 0; i < length; i++) text += ALPHANUMERIC[randomInt(0, ALPHANUMERIC.length)];
  return text;
}

/** Lines joined by "\n", each one terminated by "\n": the shape of every API v3 signing text. */
function lines(...parts: ReadonlyArray<string | number>): string {
  return parts.map((part) => `${part}\n`).join('');
}

/** What WeChat Pay verifies on a request: METHOD, URL (path?query), timestamp, nonce, body. */
export function requestText(method: string, url: string, timestamp: string, nonce: string, body: string): string {
  return lines(method, url, timestamp, nonce, body);
}

/** What WeChat Pay signs on answers and notifications: timestamp, nonce, raw body. */
export function messageText(timestamp: string | number, nonce: string, body: string): string {
  return lines(timestamp, nonce, body);
}

/** SHA256withRSA, base64. */
export function sign(text: string, privateKey: KeyObject): string {
  return createSign('sha256WithRSAEncryption').update(text, 'utf8').sign(privateKey).toString('base64');
}

/** Verifies a SHA256withRSA signature; false for a malformed one. */
export function verify(text: string, signature: string, publicKey: KeyObject): boolean {
  try {
    return createVerify('sha256WithRSAEncryption')
      .update(text, 'utf8')
      .verify(publicKey, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}

/** The parts of `WECHATPAY2-SHA256-RSA2048 k="v",...` by name, or a reason why the header is unusable. */
export function parseAuthorization(header: string | undefined): Record<string, string> | string {
  if (header === undefined || header === '') return '缺少Authorization头';
  const space = header.indexOf(' ');
  if (space < 0 || header.slice(0, space) !== 'WECHATPAY2-SHA256-RSA2048') return '签名认证类型错误';
  const pairs: Record<string, string> = {};
  for (const item of header.slice(space + 1).split(',')) {
    const eq = item.indexOf('=');
    if (eq < 0) return 'Authorization头格式错误';
    const key = item.slice(0, eq).trim();
    const quoted = item.slice(eq + 1).trim();
    if (!/^"[^"]*"$/.test(quoted) || Object.hasOwn(pairs, key)) return 'Authorization头格式错误';
    pairs[key] = quoted.slice(1, -1);
  }
  for (const name of ['mchid', 'nonce_str', 'signature', 'timestamp', 'serial_no']) {
    if (!pairs[name]) return `Authorization头缺少${name}`;
  }
  return pairs;
}

/** AEAD_AES_256_GCM with the APIv3 key's ASCII bytes: base64(ciphertext || 16-byte tag). */
export function aesGcmEncrypt(plaintext: string, apiV3Key: string, nonce: string, aad: string): string {
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'latin1'), Buffer.from(nonce));
  cipher.setAAD(Buffer.from(aad));
  const sealed = Buffer.concat([cipher.update(Buffer.from(plaintext, 'utf8')), cipher.final()]);
  return Buffer.concat([sealed, cipher.getAuthTag()]).toString('base64');
}

/** The inverse of aesGcmEncrypt; throws when the tag does not verify. */
export function aesGcmDecrypt(ciphertext: string, apiV3Key: string, nonce: string, aad: string): string {
  const data = Buffer.from(ciphertext, 'base64');
  const decipher = createDecipheriv('aes-256-gcm', Buffer.from(apiV3Key, 'latin1'), Buffer.from(nonce), {
    authTagLength: 16,
  });
  decipher.setAuthTag(data.subarray(-16));
  decipher.setAAD(Buffer.from(aad));
  return Buffer.concat([decipher.update(data.subarray(0, -16)), decipher.final()]).toString('utf8');
}
