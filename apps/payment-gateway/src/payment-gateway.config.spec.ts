import { ConfigError, loadConfig } from '@shop/runtime';
import { type AlipayKeys, generateAlipayKeys, generateWechatPayPlatformCertificate } from '@shop/provider-simulators';
import { wechatpayPlatformKeys } from '@shop/providers';
import { PaymentGatewayConfig } from './payment-gateway.config';

// The payment-gateway's start-time checks: a provider is enabled by its id, its other variables are then
// required, its keys must parse, and no key material ever appears in an error.
describe('PaymentGatewayConfig', () => {
  let keys: AlipayKeys;

  beforeAll(async () => {
    keys = await generateAlipayKeys();
  });

  function alipayEnv(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      CALLBACK_BASE_URL: 'https://pay.example.test',
      ALIPAY_APP_ID: '2021000000000001',
      ALIPAY_SELLER_ID: '2088000000000001',
      ALIPAY_PRIVATE_KEY: keys.app.privateKeyPkcs1Pem,
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKeyBase64,
      ALIPAY_GATEWAY_URL: 'https://openapi.alipay.com/gateway.do',
      ...overrides,
    };
  }

  function configError(env: Record<string, string>): ConfigError {
    try {
      loadConfig(PaymentGatewayConfig, 'payment-gateway', env);
    } catch (error) {
      if (error instanceof ConfigError) return error;
      throw error;
    }
    throw new Error('expected a ConfigError');
  }

  const named = (error: ConfigError) => error.problems.map((p) => p.split(':')[0]).sort();

  it('loads a complete Alipay configuration, keys as PEM or raw base64, PKCS#1 or PKCS#8', () => {
    for (const privateKey of [
      keys.app.privateKeyPkcs1Pem,
      keys.app.privateKeyPkcs8Pem,
      keys.app.privateKeyPkcs1Base64,
      keys.app.privateKeyPkcs8Base64,
    ]) {
      for (const publicKey of [keys.alipay.publicKeyPem, keys.alipay.publicKeyBase64]) {
        const config = loadConfig(
          PaymentGatewayConfig,
          'payment-gateway',
          alipayEnv({ ALIPAY_PRIVATE_KEY: privateKey, ALIPAY_PUBLIC_KEY: publicKey }),
        );
        expect(config.ALIPAY_APP_ID).toBe('2021000000000001');
      }
    }
  });

  it('leaves Alipay disabled without ALIPAY_APP_ID, needing only CALLBACK_BASE_URL', () => {
    const config = loadConfig(PaymentGatewayConfig, 'payment-gateway', { CALLBACK_BASE_URL: 'http://127.0.0.1:3001' });
    expect(config.ALIPAY_APP_ID).toBe('');
    expect(config.PORT).toBe(3003);
    expect(config.ALIPAY_TIMEOUT_MS).toBe(10000);
  });

  it.each([
    ['missing', undefined],
    ['with a trailing slash', 'https://pay.example.test/'],
    ['not http(s)', 'ftp://pay.example.test'],
    ['with a query', 'https://pay.example.test/cb?x=1'],
    ['not a URL', 'pay.example.test'],
  ])('refuses a CALLBACK_BASE_URL that is %s', (_case, value) => {
    const env: Record<string, string> = value === undefined ? {} : { CALLBACK_BASE_URL: value };
    const error = configError(env);
    expect(named(error)).toEqual(['CALLBACK_BASE_URL']);
    expect(error.message).toContain('without query or trailing slash');
  });

  it('accepts a CALLBACK_BASE_URL with a path', () => {
    const config = loadConfig(PaymentGatewayConfig, 'payment-gateway', {
      CALLBACK_BASE_URL: 'https://shop.example.com/payments',
    });
    expect(config.CALLBACK_BASE_URL).toBe('https://shop.example.com/payments');
  });

  it('with ALIPAY_APP_ID but no private key, fails naming ALIPAY_PRIVATE_KEY', () => {
    const env = alipayEnv();
    delete env.ALIPAY_PRIVATE_KEY;
    expect(() => loadConfig(PaymentGatewayConfig, 'payment-gateway', env)).toThrow(
      /ALIPAY_PRIVATE_KEY: ALIPAY_PRIVATE_KEY is required when ALIPAY_APP_ID is set \(not set\)/,
    );
    expect(named(configError(env))).toEqual(['ALIPAY_PRIVATE_KEY']);
  });

  it('with ALIPAY_APP_ID alone, names each of the four missing variables once', () => {
    const error = configError({ CALLBACK_BASE_URL: 'https://pay.example.test', ALIPAY_APP_ID: '2021000000000001' });
    expect(named(error)).toEqual(['ALIPAY_GATEWAY_URL', 'ALIPAY_PRIVATE_KEY', 'ALIPAY_PUBLIC_KEY', 'ALIPAY_SELLER_ID']);
  });

  it('refuses keys that do not parse, naming the variable and never echoing the key', () => {
    // Valid base64, so the parser gets as far as the DER, which is not a key.
    const garbage = Buffer.from('not a key, just secret material of some length').toString('base64');
    const swapped = configError(
      alipayEnv({ ALIPAY_PRIVATE_KEY: keys.alipay.publicKeyPem, ALIPAY_PUBLIC_KEY: keys.app.privateKeyPkcs8Base64 }),
    );
    expect(named(swapped)).toEqual(['ALIPAY_PRIVATE_KEY', 'ALIPAY_PUBLIC_KEY']);
    expect(swapped.message).toContain('ALIPAY_PUBLIC_KEY is a private key; the public key is required');
    const broken = configError(alipayEnv({ ALIPAY_PRIVATE_KEY: garbage }));
    expect(named(broken)).toEqual(['ALIPAY_PRIVATE_KEY']);
    expect(broken.message).toContain('cannot be parsed as a PKCS#1 or PKCS#8 RSA private key');
    for (const message of [swapped.message, broken.message]) {
      expect(message).toContain('value hidden');
      expect(message).not.toContain(garbage);
      expect(message).not.toContain(keys.app.privateKeyPkcs8Base64.slice(40, 80));
      expect(message).not.toContain(keys.alipay.publicKeyBase64.slice(40, 80));
    }
  });

  it('refuses an ALIPAY_GATEWAY_URL that is not an http(s) URL', () => {
    expect(named(configError(alipayEnv({ ALIPAY_GATEWAY_URL: 'openapi.alipay.com' })))).toEqual(['ALIPAY_GATEWAY_URL']);
  });

  describe('WeChat Pay, UnionPay and Stripe', () => {
    const BASE = { CALLBACK_BASE_URL: 'https://pay.example.test' };

    it('lists every missing WeChat Pay variable at once when WECHATPAY_APP_ID is set', () => {
      const error = configError({ ...BASE, WECHATPAY_APP_ID: 'wx1234567890abcdef' });
      expect(named(error)).toEqual([
        'WECHATPAY_API_V3_KEY',
        'WECHATPAY_BASE_URL',
        'WECHATPAY_CERT_SERIAL',
        'WECHATPAY_MCH_ID',
        'WECHATPAY_PRIVATE_KEY',
        'WECHATPAY_PUBLIC_KEY',
      ]);
    });

    it('accepts PEM values written with literal \\n, and platform certificates instead of the public key', async () => {
      const certificate = await generateWechatPayPlatformCertificate();
      const env = {
        ...BASE,
        WECHATPAY_APP_ID: 'wx1234567890abcdef',
        WECHATPAY_MCH_ID: '1900000001',
        WECHATPAY_API_V3_KEY: 'a'.repeat(32),
        WECHATPAY_PRIVATE_KEY: keys.app.privateKeyPkcs8Pem.replace(/\n/g, '\\n'),
        WECHATPAY_CERT_SERIAL: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
        WECHATPAY_PLATFORM_CERTS: certificate.certificatePem.replace(/\n/g, '\\n'),
        WECHATPAY_BASE_URL: 'https://api.mch.weixin.qq.com',
      };
      const config = loadConfig(PaymentGatewayConfig, 'payment-gateway', env);
      expect(config.WECHATPAY_PRIVATE_KEY).toBe(keys.app.privateKeyPkcs8Pem);
      expect(Object.keys(wechatpayPlatformKeys(config))).toEqual([certificate.serial]);
      const broken = configError({ ...env, WECHATPAY_PLATFORM_CERTS: 'not a certificate' });
      expect(broken.problems).toEqual([
        'WECHATPAY_PLATFORM_CERTS: WECHATPAY_PLATFORM_CERTS must be a PEM certificate (-----BEGIN CERTIFICATE-----) (value hidden)',
      ]);
    });

    it('refuses a WeChat Pay public key without its PUB_KEY_ID and an APIv3 key of the wrong length', () => {
      const error = configError({
        ...BASE,
        WECHATPAY_APP_ID: 'wx1234567890abcdef',
        WECHATPAY_MCH_ID: '1900000001',
        WECHATPAY_API_V3_KEY: 'short',
        WECHATPAY_PRIVATE_KEY: keys.app.privateKeyPkcs8Pem,
        WECHATPAY_CERT_SERIAL: '5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
        WECHATPAY_PUBLIC_KEY: keys.alipay.publicKeyPem,
        WECHATPAY_BASE_URL: 'https://api.mch.weixin.qq.com',
      });
      expect(named(error)).toEqual(['WECHATPAY_API_V3_KEY', 'WECHATPAY_PUBLIC_KEY_ID']);
      expect(error.message).not.toContain('short');
    });

    it('refuses UnionPay certificates that are not PEM certificates, naming the variable', () => {
      const error = configError({
        ...BASE,
        UNIONPAY_MER_ID: '777290058110048',
        UNIONPAY_SIGN_PRIVATE_KEY: keys.app.privateKeyPkcs1Base64,
        UNIONPAY_SIGN_CERT_ID: '69026276696',
        UNIONPAY_ROOT_CERT: keys.alipay.publicKeyPem,
        UNIONPAY_MIDDLE_CERT: '-----BEGIN CERTIFICATE-----\\nAAAA\\n-----END CERTIFICATE-----',
        UNIONPAY_GATEWAY_URL: 'https://gateway.95516.com/gateway/api',
      });
      expect([...error.problems].sort()).toEqual([
        'UNIONPAY_MIDDLE_CERT: UNIONPAY_MIDDLE_CERT holds the certificate, which cannot be parsed as X.509 (value hidden)',
        'UNIONPAY_ROOT_CERT: UNIONPAY_ROOT_CERT must be a PEM certificate (-----BEGIN CERTIFICATE-----) (value hidden)',
      ]);
    });

    it('refuses a Stripe secret key of the wrong shape without echoing it', () => {
      const error = configError({ ...BASE, STRIPE_SECRET_KEY: 'pk_test_publishable' });
      expect(named(error)).toEqual(['STRIPE_SECRET_KEY']);
      expect(error.message).not.toContain('pk_test_publishable');
    });
  });

  it('requires an https CALLBACK_BASE_URL in production, and accepts http outside it', () => {
    const prod = { NODE_ENV: 'production', DB_PASSWORD: 'pw', INTERNAL_TOKEN: 'x'.repeat(32), MANAGEMENT_PORT: '9090' };
    const error = configError(alipayEnv({ ...prod, CALLBACK_BASE_URL: 'http://pay.example.test' }));
    expect(error.problems.join('\n')).toContain('CALLBACK_BASE_URL must be https when NODE_ENV=production');
    expect(() =>
      loadConfig(PaymentGatewayConfig, 'payment-gateway', alipayEnv({ CALLBACK_BASE_URL: 'http://127.0.0.1:3001' })),
    ).not.toThrow();
  });
});
