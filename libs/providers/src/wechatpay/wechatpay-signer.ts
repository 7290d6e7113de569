// WeChat Pay API v3 signing and encryption rules (docs/providers.md, WeChat Pay API v3).
import { type KeyObject, createCipheriv, createDecipheriv, createSign, createVerify, randomBytes } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { ProviderError } from '../provider-error';
import { isCanonicalBase64 } from '../base64-signature';

/** The Authorization scheme of API v3 requests. */
export const WECHATPAY_AUTH_SCHEMA = 'WECHATPAY2-SHA256-RSA2048';
/** Signatures starting with this are WeChat Pay's probes: they must fail verification, without an alert. */
export const WECHATPAY_SIGNTEST_PREFIX = 'WECHATPAY/SIGNTEST/';
/** How far a Wechatpay-Timestamp may be from our clock, either way. */
export const WECHATPAY_MAX_CLOCK_SKEW_SECONDS = 300;
/** The only resource encryption API v3 uses. */
export const WECHATPAY_RESOURCE_ALGORITHM = 'AEAD_AES_256_GCM';

const GCM_TAG_BYTES = 16;
const API_V3_KEY = /^[\x21-\x7e]{32}$/;
const NONCE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

/**
 * The text a merchant signs for a request: "METHOD\nPATH?QUERY\nTIMESTAMP\nNONCE\nBODY\n". `url` is the path
 * and query exactly as sent (no origin); `body` is the exact JSON text sent, "" for GET (the final "\n" stays).
 */
export function wechatpayRequestSigningString(
  method: string,
  url: string,
  timestamp: string | number,
  nonce: string,
  body = '',
): string {
  return `${method}\n${url}\n${timestamp}\n${nonce}\n${body}\n`;
}

/** The text WeChat Pay signs for answers and notifications: "TIMESTAMP\nNONCE\nBODY\n" over the raw body. */
export function wechatpayMessageSigningString(timestamp: string | number, nonce: string, body: string): string {
  return `${timestamp}\n${nonce}\n${body}\n`;
}

/** SHA256withRSA (PKCS#1 v1.5) over the UTF-8 bytes of `content` (or the bytes given), base64. */
export function sha256WithRsaSign(content: string | Buffer, privateKey: KeyObject): string {
  return createSign('RSA-SHA256')
    .update(typeof content === 'string' ? Buffer.from(content, 'utf8') : content)
    .sign(privateKey, 'base64');
}

/** Checks a SHA256withRSA signature; false for any malformed signature or key mismatch rather than a throw. */
export function sha256WithRsaVerify(
  content: string | Buffer,
  signature: string | undefined,
  publicKey: KeyObject,
): boolean {
  if (typeof signature !== 'string' || signature.length === 0 || !isCanonicalBase64(signature)) return false;
  try {
    return createVerify('RSA-SHA256')
      .update(typeof content === 'string' ? Buffer.from(content, 'utf8') : content)
      .verify(publicKey, signature, 'base64');
  } catch {
    return false;
  }
}

/** A 32-character random nonce of upper-case letters and digits, as WeChat Pay's own SDKs make. */
export function wechatpayNonce(length = 32): string {
  const bytes = randomBytes(length);
  let nonce = '';
  // 256 is a multiple of 36 only approximately; the slight bias does not matter for a nonce.
  for (const byte of bytes) nonce += NONCE_ALPHABET[byte % NONCE_ALPHABET.length];
  return nonce;
}

/** The five values of a WECHATPAY2-SHA256-RSA2048 Authorization header. */
export interface WechatpayAuthorization {
  readonly mchId: string;
  readonly nonce: string;
  readonly signature: string;
  readonly timestamp: string;
  /** The MERCHANT certificate serial (not a WeChat Pay one). */
  readonly serialNo: string;
}

/**
 * `WECHATPAY2-SHA256-RSA2048 mchid="..",nonce_str="..",signature="..",timestamp="..",serial_no=".."`: values
 * double-quoted, comma-separated without spaces (WeChat Pay accepts the pairs in any order).
 */
export function formatWechatpayAuthorization(auth: WechatpayAuthorization): string {
  return (
    `${WECHATPAY_AUTH_SCHEMA} mchid="${auth.mchId}",nonce_str="${auth.nonce}",signature="${auth.signature}",` +
    `timestamp="${auth.timestamp}",serial_no="${auth.serialNo}"`
  );
}

/** Parses an Authorization header in any pair order; undefined when the scheme, a pair or a value is missing. */
export function parseWechatpayAuthorization(header: string | undefined): WechatpayAuthorization | undefined {
  if (typeof header !== 'string' || !header.startsWith(`${WECHATPAY_AUTH_SCHEMA} `)) return undefined;
  const pairs = new Map<string, string>();
  const pattern = /\s*([a-z_]+)="([^"]*)"\s*(,|$)/gy;
  const rest = header.slice(WECHATPAY_AUTH_SCHEMA.length + 1);
  let match: RegExpExecArray | null;
  while (pattern.lastIndex < rest.length && (match = pattern.exec(rest)) !== null) {
    if (pairs.has(match[1])) return undefined;
    pairs.set(match[1], match[2]);
  }
  if (pattern.lastIndex !== rest.length) return undefined;
  const get = (name: string): string | undefined => {
    const value = pairs.get(name);
    return value === undefined || value === '' ? undefined : value;
  };
  const [mchId, nonce, signature, timestamp, serialNo] = [
    get('mchid'),
    get('nonce_str'),
    get('signature'),
    get('timestamp'),
    get('serial_no'),
  ];
  if (!mchId || !nonce || !signature || !timestamp || !serialNo) return undefined;
  return { mchId, nonce, signature, timestamp, serialNo };
}

/** What signing a request needs; timestamp (unix seconds) and nonce default to now and a fresh random nonce. */
export interface WechatpayRequestToSign {
  readonly method: string;
  /** Path and query exactly as sent, e.g. "/v3/pay/transactions/out-trade-no/ORD1?mchid=1900000001". */
  readonly url: string;
  /** The exact body text sent; "" (the default) for GET and bodiless requests. */
  readonly body?: string;
  readonly mchId: string;
  readonly serialNo: string;
  readonly privateKey: KeyObject;
  readonly timestamp?: number;
  readonly nonce?: string;
}

/** Signs a request and returns the Authorization header with its parts. */
export function signWechatpayRequest(request: WechatpayRequestToSign): WechatpayAuthorization & {
  readonly authorization: string;
} {
  const timestamp = String(request.timestamp ?? Math.floor(Date.now() / 1000));
  const nonce = request.nonce ?? wechatpayNonce();
  const signature = sha256WithRsaSign(
    wechatpayRequestSigningString(request.method.toUpperCase(), request.url, timestamp, nonce, request.body ?? ''),
    request.privateKey,
  );
  const auth = { mchId: request.mchId, nonce, signature, timestamp, serialNo: request.serialNo };
  return { ...auth, authorization: formatWechatpayAuthorization(auth) };
}

/** Verifies a request's Authorization signature (what WeChat Pay does with the merchant certificate's key). */
export function verifyWechatpayRequest(
  method: string,
  url: string,
  body: string,
  auth: WechatpayAuthorization,
  merchantPublicKey: KeyObject,
): boolean {
  return sha256WithRsaVerify(
    wechatpayRequestSigningString(method.toUpperCase(), url, auth.timestamp, auth.nonce, body),
    auth.signature,
    merchantPublicKey,
  );
}

/** Signs an answer or notification body as WeChat Pay does; returns the Wechatpay-Signature value. */
export function signWechatpayMessage(
  timestamp: string | number,
  nonce: string,
  body: string,
  privateKey: KeyObject,
): string {
  return sha256WithRsaSign(wechatpayMessageSigningString(timestamp, nonce, body), privateKey);
}

/**
 * Verifies Wechatpay-Signature over "timestamp\nnonce\nbody\n". `body` must be the raw text (or bytes) received:
 * a re-serialised JSON body fails. Probes ("WECHATPAY/SIGNTEST/...") never verify.
 */
export function verifyWechatpayMessage(
  timestamp: string,
  nonce: string,
  body: string | Buffer,
  signature: string,
  publicKey: KeyObject,
): boolean {
  if (isWechatpaySignatureProbe(signature)) return false;
  const content =
    typeof body === 'string'
      ? wechatpayMessageSigningString(timestamp, nonce, body)
      : Buffer.concat([Buffer.from(`${timestamp}\n${nonce}\n`, 'utf8'), body, Buffer.from('\n', 'utf8')]);
  return sha256WithRsaVerify(content, signature, publicKey);
}

/** True for WeChat Pay's signature probes, which are meant to fail verification. */
export function isWechatpaySignatureProbe(signature: string | undefined): boolean {
  return typeof signature === 'string' && signature.startsWith(WECHATPAY_SIGNTEST_PREFIX);
}

/**
 * The AES-256 key: the 32 ASCII bytes of the APIv3 key, used as they are (no hashing, no base64 decoding).
 * Throws PROVIDER_CONFIG_INVALID for anything but 32 printable ASCII characters, never echoing the key.
 */
export function wechatpayApiV3Key(apiV3Key: string): Buffer {
  if (typeof apiV3Key !== 'string' || !API_V3_KEY.test(apiV3Key)) {
    throw new ProviderError(
      'PROVIDER_CONFIG_INVALID',
      'WeChat Pay APIv3 key must be exactly 32 printable ASCII characters',
      HttpStatus.INTERNAL_SERVER_ERROR,
    );
  }
  return Buffer.from(apiV3Key, 'ascii');
}

/** An encrypted API v3 resource (notification `resource`, certificate download `encrypt_certificate`). */
export interface WechatpayEncryptedResource {
  /** base64(encrypted bytes || 16-byte GCM tag). */
  readonly ciphertext: string;
  /** The IV, used as its UTF-8 bytes (WeChat Pay sends 12 characters). */
  readonly nonce: string;
  /** The AAD, e.g. "transaction"; may be empty. */
  readonly associatedData: string;
}

function keyBytes(apiV3Key: string | Buffer): Buffer {
  return typeof apiV3Key === 'string' ? wechatpayApiV3Key(apiV3Key) : apiV3Key;
}

/** AEAD_AES_256_GCM encryption as WeChat Pay does it; returns base64(ciphertext || tag). */
export function encryptWechatpayResource(
  plaintext: string,
  apiV3Key: string | Buffer,
  nonce: string,
  associatedData: string,
): string {
  const cipher = createCipheriv('aes-256-gcm', keyBytes(apiV3Key), Buffer.from(nonce, 'utf8'), {
    authTagLength: GCM_TAG_BYTES,
  });
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  return Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
}

/**
 * Decrypts an AEAD_AES_256_GCM resource. Throws PROVIDER_ANSWER_INVALID when the tag does not verify (wrong
 * APIv3 key, or ciphertext, nonce or associated data changed) or the input is malformed; never a crypto message.
 */
export function decryptWechatpayResource(resource: WechatpayEncryptedResource, apiV3Key: string | Buffer): string {
  const key = keyBytes(apiV3Key);
  const failure = (): ProviderError =>
    new ProviderError(
      'PROVIDER_ANSWER_INVALID',
      'WeChat Pay resource does not decrypt with the APIv3 key (wrong key, or ciphertext, nonce or AAD changed)',
    );
  if (
    typeof resource.ciphertext !== 'string' ||
    typeof resource.nonce !== 'string' ||
    resource.nonce === '' ||
    typeof resource.associatedData !== 'string' ||
    !/^[A-Za-z0-9+/]*={0,2}$/.test(resource.ciphertext)
  ) {
    throw failure();
  }
  const data = Buffer.from(resource.ciphertext, 'base64');
  if (data.length < GCM_TAG_BYTES) throw failure();
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(resource.nonce, 'utf8'), {
      authTagLength: GCM_TAG_BYTES,
    });
    decipher.setAuthTag(data.subarray(data.length - GCM_TAG_BYTES));
    decipher.setAAD(Buffer.from(resource.associatedData, 'utf8'));
    const plain = Buffer.concat([decipher.update(data.subarray(0, data.length - GCM_TAG_BYTES)), decipher.final()]);
    return new TextDecoder('utf-8', { fatal: true }).decode(plain);
  } catch {
    throw failure();
  }
}
