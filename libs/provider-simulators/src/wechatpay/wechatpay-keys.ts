import 'reflect-metadata'; // @peculiar/x509 (through tsyringe) needs the Reflect metadata polyfill loaded first
import { KeyObject, X509Certificate, generateKeyPair, randomBytes, randomInt, webcrypto } from 'node:crypto';
import { promisify } from 'node:util';
import * as x509 from '@peculiar/x509';

const generateRsaKeyPair = promisify(generateKeyPair);

/** The merchant API key pair (apiclient_key.pem) and the serial of its API certificate. */
export interface WechatPayMerchantKeys {
  readonly privateKey: KeyObject;
  /** PKCS#8 PEM, as apiclient_key.pem. */
  readonly privateKeyPem: string;
  /** Raw base64 PKCS#8 DER without header lines. */
  readonly privateKeyBase64: string;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
  /** The merchant API certificate serial: 40 upper-case hex digits, sent as serial_no. */
  readonly certSerial: string;
}

/** WeChat Pay's own key pair in "public key" mode: the public key is shown with its PUB_KEY_ID in the console. */
export interface WechatPayPlatformKeys {
  readonly privateKey: KeyObject;
  readonly privateKeyPem: string;
  readonly publicKey: KeyObject;
  /** SPKI PEM, as pub_key.pem downloaded from the merchant console. */
  readonly publicKeyPem: string;
  /** "PUB_KEY_ID_" + digits: the Wechatpay-Serial value of answers and notifications signed with this key. */
  readonly publicKeyId: string;
}

/** WeChat Pay's older "platform certificate" mode: a separate key pair with a certificate, found by its serial. */
export interface WechatPayPlatformCertificate {
  readonly privateKey: KeyObject;
  readonly privateKeyPem: string;
  readonly publicKey: KeyObject;
  readonly certificatePem: string;
  /** The certificate serial in upper-case hex: the Wechatpay-Serial value in this mode. */
  readonly serial: string;
}

/** Keys for one merchant and the simulated WeChat Pay. */
export interface WechatPayKeys {
  readonly merchant: WechatPayMerchantKeys;
  readonly platform: WechatPayPlatformKeys;
  /** Present when asked for (generateWechatPayKeys({ platformCertificate: true })). */
  readonly platformCertificate?: WechatPayPlatformCertificate;
}

export interface GenerateWechatPayKeysOptions {
  /** Also make a self-signed platform certificate with its own key pair (for migration / dual-mode tests). */
  readonly platformCertificate?: boolean;
}

const RSA_ALGORITHM = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const;

/** A 20-byte positive serial in upper-case hex, the shape of WeChat Pay certificate serials. */
function certificateSerial(): string {
  const bytes = randomBytes(20);
  bytes[0] = (bytes[0] & 0x7f) | 0x10; // positive and exactly 40 hex digits
  return bytes.toString('hex').toUpperCase();
}

function publicKeyId(): string {
  let digits = '';
  while (digits.length < 30) digits += String(randomInt(0, 1_000_000_000)).padStart(9, '0');
  return `PUB_KEY_ID_01${digits.slice(0, 30)}`;
}

/** A self-signed "Tenpay" platform certificate, valid from a day ago for five years. */
export async function generateWechatPayPlatformCertificate(): Promise<WechatPayPlatformCertificate> {
  const keys = await webcrypto.subtle.generateKey(RSA_ALGORITHM, true, ['sign', 'verify']);
  const serial = certificateSerial();
  const now = Date.now();
  const certificate = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serial,
      name: 'CN=Tenpay.com Root CA (simulator), O=Tenpay.com, C=CN',
      notBefore: new Date(now - 86_400_000),
      notAfter: new Date(now + 5 * 365 * 86_400_000),
      signingAlgorithm: RSA_ALGORITHM,
      keys,
    },
    webcrypto,
  );
  const certificatePem = certificate.toString('pem');
  const parsed = new X509Certificate(certificatePem);
  const privateKey = KeyObject.from(keys.privateKey);
  return {
    privateKey,
    privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    publicKey: parsed.publicKey,
    certificatePem,
    serial: parsed.serialNumber.toUpperCase(),
  };
}

/** Generates the merchant key pair and certificate serial and WeChat Pay's key pair with a PUB_KEY_ID (RSA 2048). */
export async function generateWechatPayKeys(options: GenerateWechatPayKeysOptions = {}): Promise<WechatPayKeys> {
  const [merchant, platform, platformCertificate] = await Promise.all([
    generateRsaKeyPair('rsa', { modulusLength: 2048 }),
    generateRsaKeyPair('rsa', { modulusLength: 2048 }),
    options.platformCertificate === true ? generateWechatPayPlatformCertificate() : Promise.resolve(undefined),
  ]);
  return {
    merchant: {
      privateKey: merchant.privateKey,
      privateKeyPem: merchant.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      privateKeyBase64: merchant.privateKey.export({ format: 'der', type: 'pkcs8' }).toString('base64'),
      publicKey: merchant.publicKey,
      publicKeyPem: merchant.publicKey.export({ format: 'pem', type: 'spki' }) as string,
      certSerial: certificateSerial(),
    },
    platform: {
      privateKey: platform.privateKey,
      privateKeyPem: platform.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      publicKey: platform.publicKey,
      publicKeyPem: platform.publicKey.export({ format: 'pem', type: 'spki' }) as string,
      publicKeyId: publicKeyId(),
    },
    ...(platformCertificate === undefined ? {} : { platformCertificate }),
  };
}
