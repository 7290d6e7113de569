import 'reflect-metadata';
import { Money } from '@shop/money';
import { generateAlipayKeys, type AlipayKeys } from '@shop/provider-simulators';
import { AlipayAdapter } from '@shop/providers';
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

  it('is enough for a verify-only adapter (no private key), which refuses to sign requests with a code', async () => {
    const adapter = new AlipayAdapter({
      appId: APP_ID,
      sellerId: SELLER_ID,
      alipayPublicKey: keys.alipay.publicKeyBase64,
    });
    await expect(
      adapter.createPayment({
        orderNo: 'ORD00000001',
        amount: Money.of(100, 'CNY'),
        subject: 'tea',
        method: 'qr',
        notifyUrl: 'http://127.0.0.1/callbacks/alipay',
      }),
    ).rejects.toMatchObject({ code: 'PROVIDER_CONFIG_INVALID' });
  });
});
