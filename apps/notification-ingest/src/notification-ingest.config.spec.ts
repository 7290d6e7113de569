import 'reflect-metadata';
import { generateKeyPairSync } from 'node:crypto';
import {
  generateAlipayKeys,
  generateStripeSecrets,
  generateUnionPayCertificates,
  generateWechatPayKeys,
  generateWechatPayPlatformCertificate,
  randomAlphanumeric,
  type AlipayKeys,
  type UnionPayCertificates,
  type WechatPayKeys,
  type WechatPayPlatformCertificate,
} from '@shop/provider-simulators';
import { AlipayNotificationVerifier, wechatpayPlatformKeys } from '@shop/providers';
import { ConfigError, loadConfig } from '@shop/runtime';
import { NotificationIngestConfig } from './notification-ingest.config';

const APP_ID = '2021000000000001';
const SELLER_ID = '2088000000000001';

function load(env: Record<string, string>): NotificationIngestConfig {
  return loadConfig(NotificationIngestConfig, 'notification-ingest', env);
}

function problems(env: Record<string, string>): string {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('NotificationIngestConfig', () => {
  let keys: AlipayKeys;

  beforeAll(async () => {
    keys = await generateAlipayKeys();
  });

  it('leaves Alipay disabled when ALIPAY_APP_ID is unset, whatever else is set', () => {
    expect(load({ ALIPAY_SELLER_ID: 'junk' })).toMatchObject({ ALIPAY_APP_ID: '', PORT: 3001 });
  });

  it('accepts Alipay public keys as raw base64 SPKI and as PEM (with literal \\n, as env files carry it)', () => {
    for (const key of [keys.alipay.publicKeyBase64, keys.alipay.publicKeyPem.replace(/\n/g, '\\n')]) {
      const config = load({ ALIPAY_APP_ID: APP_ID, ALIPAY_SELLER_ID: SELLER_ID, ALIPAY_PUBLIC_KEY: key });
      expect(config.ALIPAY_APP_ID).toBe(APP_ID);
    }
  });

  it('requires ALIPAY_SELLER_ID and ALIPAY_PUBLIC_KEY once ALIPAY_APP_ID is set, naming both at once', () => {
    const message = problems({ ALIPAY_APP_ID: APP_ID });
    expect(message).toContain('ALIPAY_SELLER_ID is required when ALIPAY_APP_ID is set');
    expect(message).toContain('ALIPAY_PUBLIC_KEY is required when ALIPAY_APP_ID is set');
  });

  it('refuses a seller id that is not 2088 and 12 digits, and an app id that is not digits', () => {
    const message = problems({
      ALIPAY_APP_ID: 'app-1',
      ALIPAY_SELLER_ID: '12345',
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKeyBase64,
    });
    expect(message).toContain('ALIPAY_APP_ID must be the digits');
    expect(message).toContain('ALIPAY_SELLER_ID');
  });

  it.each([
    ['a truncated key', (k: AlipayKeys) => k.alipay.publicKeyBase64.slice(0, 200), /cannot be parsed|neither PEM/],
    ['the private key', (k: AlipayKeys) => k.alipay.privateKeyPem, /PUBLIC KEY/],
    ['raw base64 of a private key', (k: AlipayKeys) => k.app.privateKeyPkcs8Base64, /is a private key/],
  ])('refuses %s in ALIPAY_PUBLIC_KEY, naming the variable and never echoing the key', (_case, pick, rule) => {
    const key = pick(keys);
    const message = problems({ ALIPAY_APP_ID: APP_ID, ALIPAY_SELLER_ID: SELLER_ID, ALIPAY_PUBLIC_KEY: key });
    expect(message).toMatch(/ALIPAY_PUBLIC_KEY .*\(value hidden\)/);
    expect(message).toMatch(rule);
    const body = key.replace(/-----[^-]+-----|\s|\\n/g, '');
    expect(message).not.toContain(body.slice(40, 80));
  });

  it('is enough for the notification verifier (no private key), which has no way to sign requests', () => {
    const config = load({
      ALIPAY_APP_ID: APP_ID,
      ALIPAY_SELLER_ID: SELLER_ID,
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKeyBase64,
    });
    const verifier = new AlipayNotificationVerifier({
      appId: config.ALIPAY_APP_ID,
      sellerId: config.ALIPAY_SELLER_ID,
      alipayPublicKey: config.ALIPAY_PUBLIC_KEY,
    });
    expect(verifier.name).toBe('alipay');
    expect('createPayment' in verifier).toBe(false);
  });
});

describe('NotificationIngestConfig for WeChat Pay', () => {
  let keys: WechatPayKeys;
  let second: WechatPayPlatformCertificate;
  const base = { WECHATPAY_APP_ID: 'wx8888888888888888', WECHATPAY_MCH_ID: '1900000109' };
  const apiV3Key = randomAlphanumeric(32);

  beforeAll(async () => {
    [keys, second] = await Promise.all([
      generateWechatPayKeys({ platformCertificate: true }),
      generateWechatPayPlatformCertificate(),
    ]);
  });

  it('leaves WeChat Pay disabled when WECHATPAY_APP_ID is unset, whatever else is set', () => {
    expect(load({ WECHATPAY_MCH_ID: 'junk', WECHATPAY_API_V3_KEY: 'short' })).toMatchObject({ WECHATPAY_APP_ID: '' });
  });

  it('requires the mchid, the APIv3 key and a verifying key once WECHATPAY_APP_ID is set, naming all at once', () => {
    const message = problems({ WECHATPAY_APP_ID: base.WECHATPAY_APP_ID });
    expect(message).toContain('WECHATPAY_MCH_ID is required when WECHATPAY_APP_ID is set');
    expect(message).toContain('WECHATPAY_API_V3_KEY is required when WECHATPAY_APP_ID is set');
    expect(message).toContain(
      'WECHATPAY_PUBLIC_KEY is required when WECHATPAY_APP_ID is set, unless WECHATPAY_PLATFORM_CERTS',
    );
  });

  it('accepts the public key (PEM with literal \\n) with its id, platform certificates alone, or both', () => {
    const publicKey = {
      WECHATPAY_PUBLIC_KEY: keys.platform.publicKeyPem.replace(/\n/g, '\\n'),
      WECHATPAY_PUBLIC_KEY_ID: keys.platform.publicKeyId,
    };
    const certificates = {
      WECHATPAY_PLATFORM_CERTS: (keys.platformCertificate!.certificatePem + second.certificatePem).replace(
        /\n/g,
        '\\n',
      ),
    };
    const env = { ...base, WECHATPAY_API_V3_KEY: apiV3Key };
    expect(Object.keys(wechatpayPlatformKeys(load({ ...env, ...publicKey })))).toEqual([keys.platform.publicKeyId]);
    expect(Object.keys(wechatpayPlatformKeys(load({ ...env, ...certificates })))).toEqual([
      keys.platformCertificate!.serial,
      second.serial,
    ]);
    const both = wechatpayPlatformKeys(load({ ...env, ...publicKey, ...certificates }));
    expect(Object.keys(both)).toEqual([keys.platform.publicKeyId, keys.platformCertificate!.serial, second.serial]);
    // Serials are read from the certificates, in WeChat Pay's upper-case hex.
    expect(
      Object.keys(both)
        .slice(1)
        .every((serial) => /^[0-9A-F]+$/.test(serial)),
    ).toBe(true);
  });

  it('refuses an APIv3 key that is not 32 ASCII characters, and a public key without its id, never echoing them', () => {
    const shortKey = randomAlphanumeric(31);
    const message = problems({
      ...base,
      WECHATPAY_API_V3_KEY: shortKey,
      WECHATPAY_PUBLIC_KEY: keys.platform.publicKeyPem,
    });
    expect(message).toMatch(/WECHATPAY_API_V3_KEY .*exactly 32 ASCII characters \(value hidden\)/);
    expect(message).toContain('WECHATPAY_PUBLIC_KEY_ID is required with WECHATPAY_PUBLIC_KEY');
    expect(message).not.toContain(shortKey);
    expect(
      problems({
        ...base,
        WECHATPAY_API_V3_KEY: apiV3Key,
        WECHATPAY_PUBLIC_KEY: keys.platform.publicKeyPem,
        WECHATPAY_PUBLIC_KEY_ID: 'KEY1',
      }),
    ).toContain('WECHATPAY_PUBLIC_KEY_ID is required with WECHATPAY_PUBLIC_KEY: the id of that key, PUB_KEY_ID_');
  });

  it('refuses platform certificates mixed with anything else, e.g. a private key, without echoing it', () => {
    const privateKeyPem = keys.platform.privateKeyPem;
    const message = problems({
      ...base,
      WECHATPAY_API_V3_KEY: apiV3Key,
      WECHATPAY_PLATFORM_CERTS: keys.platformCertificate!.certificatePem + privateKeyPem,
    });
    expect(message).toContain('WECHATPAY_PLATFORM_CERTS must hold PEM certificates only');
    expect(message).not.toContain(privateKeyPem.split('\n')[2]);
    expect(
      problems({ ...base, WECHATPAY_API_V3_KEY: apiV3Key, WECHATPAY_PLATFORM_CERTS: 'not a certificate' }),
    ).toContain('WECHATPAY_PLATFORM_CERTS must be a PEM certificate');
  });
});

describe('NotificationIngestConfig for UnionPay', () => {
  let certs: UnionPayCertificates;
  const MER_ID = '777290058110048';

  beforeAll(async () => {
    certs = await generateUnionPayCertificates();
  }, 30_000);

  it('accepts the root and middle certificates, with literal \\n as env files carry them', () => {
    const config = load({
      UNIONPAY_MER_ID: MER_ID,
      UNIONPAY_ROOT_CERT: certs.root.certPem.replace(/\n/g, '\\n'),
      UNIONPAY_MIDDLE_CERT: certs.middle.certPem.replace(/\n/g, '\\n'),
    });
    expect(config.UNIONPAY_ROOT_CERT).toBe(certs.root.certPem.trim());
    expect(config.UNIONPAY_MIDDLE_CERT).toBe(certs.middle.certPem.trim());
  });

  it('requires both certificates once UNIONPAY_MER_ID is set, and a 15-character merId', () => {
    const message = problems({ UNIONPAY_MER_ID: MER_ID });
    expect(message).toContain(
      "UNIONPAY_ROOT_CERT is required when UNIONPAY_MER_ID is set: UnionPay's root certificate",
    );
    expect(message).toContain("UNIONPAY_MIDDLE_CERT is required when UNIONPAY_MER_ID is set: UnionPay's middle");
    expect(
      problems({
        UNIONPAY_MER_ID: 'M-1',
        UNIONPAY_ROOT_CERT: certs.root.certPem,
        UNIONPAY_MIDDLE_CERT: certs.middle.certPem,
      }),
    ).toContain('UNIONPAY_MER_ID must be the 15-character UnionPay merchant id');
  });

  it('refuses certificates that do not form UnionPay’s chain', () => {
    const swapped = problems({
      UNIONPAY_MER_ID: MER_ID,
      UNIONPAY_ROOT_CERT: certs.middle.certPem,
      UNIONPAY_MIDDLE_CERT: certs.root.certPem,
    });
    expect(swapped).toMatch(/UNIONPAY_MIDDLE_CERT and UNIONPAY_ROOT_CERT do not form a chain: .*self-signed/);
    const leafAsMiddle = problems({
      UNIONPAY_MER_ID: MER_ID,
      UNIONPAY_ROOT_CERT: certs.root.certPem,
      UNIONPAY_MIDDLE_CERT: certs.sign.certPem,
    });
    expect(leafAsMiddle).toMatch(
      /do not form a chain: .*middle certificate must be a CA certificate issued by the root/,
    );
    const twoRoots = problems({
      UNIONPAY_MER_ID: MER_ID,
      UNIONPAY_ROOT_CERT: certs.root.certPem + certs.middle.certPem,
      UNIONPAY_MIDDLE_CERT: certs.middle.certPem,
    });
    expect(twoRoots).toContain('UNIONPAY_ROOT_CERT must be exactly one PEM certificate');
  });
});

describe('NotificationIngestConfig for Stripe', () => {
  it('is enabled by a whsec_ webhook secret and refuses anything else without echoing it', () => {
    const { webhookSecret, secretKey } = generateStripeSecrets();
    expect(load({ STRIPE_WEBHOOK_SECRET: webhookSecret }).STRIPE_WEBHOOK_SECRET).toBe(webhookSecret);
    expect(load({}).STRIPE_WEBHOOK_SECRET).toBe('');
    const message = problems({ STRIPE_WEBHOOK_SECRET: secretKey });
    expect(message).toMatch(
      /STRIPE_WEBHOOK_SECRET must be the webhook endpoint signing secret, whsec_.*\(value hidden\)/,
    );
    expect(message).not.toContain(secretKey);
  });
});

describe('NotificationIngestConfig key checks', () => {
  it('refuses an RSA key shorter than 2048 bits in WECHATPAY_PUBLIC_KEY', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    const message = problems({
      WECHATPAY_APP_ID: 'wx8888888888888888',
      WECHATPAY_MCH_ID: '1900000109',
      WECHATPAY_API_V3_KEY: randomAlphanumeric(32),
      WECHATPAY_PUBLIC_KEY: publicKey.export({ format: 'pem', type: 'spki' }) as string,
      WECHATPAY_PUBLIC_KEY_ID: 'PUB_KEY_ID_0100000000000000000000000001',
    });
    expect(message).toMatch(/WECHATPAY_PUBLIC_KEY is RSA 1024; at least RSA 2048 is required \(value hidden\)/);
  });
});
