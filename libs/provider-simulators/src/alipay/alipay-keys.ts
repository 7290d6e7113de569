import { type KeyObject, generateKeyPair } from 'node:crypto';
import { promisify } from 'node:util';

const generateRsaKeyPair = promisify(generateKeyPair);

/** The application key pair in every form a merchant meets (Alipay's key tool offers PKCS#1 and PKCS#8). */
export interface AlipayAppKeys {
  readonly privateKey: KeyObject;
  readonly privateKeyPkcs1Pem: string;
  readonly privateKeyPkcs8Pem: string;
  /** Raw base64 DER without header lines, as pasted from the key tool. */
  readonly privateKeyPkcs1Base64: string;
  readonly privateKeyPkcs8Base64: string;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
  /** What the merchant uploads to Alipay: raw base64 SPKI. */
  readonly publicKeyBase64: string;
}

/** Alipay's key pair: the private half stays in the simulator; the public half is what Alipay's console shows. */
export interface AlipayPlatformKeys {
  readonly privateKey: KeyObject;
  readonly privateKeyPem: string;
  readonly publicKey: KeyObject;
  readonly publicKeyPem: string;
  /** Raw base64 SPKI, exactly as Alipay's console displays "支付宝公钥". */
  readonly publicKeyBase64: string;
}

/** Both RSA-2048 key pairs a merchant integration and the simulator need. */
export interface AlipayKeys {
  readonly app: AlipayAppKeys;
  readonly alipay: AlipayPlatformKeys;
}

const derBase64 = (der: Buffer): string => der.toString('base64');

/** Generates a fresh application key pair and a fresh "Alipay" key pair (RSA 2048, as Alipay requires). */
export async function generateAlipayKeys(): Promise<AlipayKeys> {
  const [app, alipay] = await Promise.all([
    generateRsaKeyPair('rsa', { modulusLength: 2048 }),
    generateRsaKeyPair('rsa', { modulusLength: 2048 }),
  ]);
  return {
    app: {
      privateKey: app.privateKey,
      privateKeyPkcs1Pem: app.privateKey.export({ format: 'pem', type: 'pkcs1' }) as string,
      privateKeyPkcs8Pem: app.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      privateKeyPkcs1Base64: derBase64(app.privateKey.export({ format: 'der', type: 'pkcs1' })),
      privateKeyPkcs8Base64: derBase64(app.privateKey.export({ format: 'der', type: 'pkcs8' })),
      publicKey: app.publicKey,
      publicKeyPem: app.publicKey.export({ format: 'pem', type: 'spki' }) as string,
      publicKeyBase64: derBase64(app.publicKey.export({ format: 'der', type: 'spki' })),
    },
    alipay: {
      privateKey: alipay.privateKey,
      privateKeyPem: alipay.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
      publicKey: alipay.publicKey,
      publicKeyPem: alipay.publicKey.export({ format: 'pem', type: 'spki' }) as string,
      publicKeyBase64: derBase64(alipay.publicKey.export({ format: 'der', type: 'spki' })),
    },
  };
}
