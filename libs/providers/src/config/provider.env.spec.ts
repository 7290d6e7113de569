import 'reflect-metadata';
import { ConfigError, loadConfig } from '@shop/runtime';
import { ProviderClientEnv, ProviderNotificationEnv } from './provider.env';

// The two services read the same provider variables under the same names; declared once, they are judged by one
// rule, so a value cannot pass one service's start and fail the other's.
class ClientServiceConfig extends ProviderClientEnv(class {}) {}
class NotificationServiceConfig extends ProviderNotificationEnv(class {}) {}

function problems(schema: new () => object, env: Record<string, string>): string[] {
  try {
    loadConfig(schema, 'test', env);
  } catch (error) {
    if (error instanceof ConfigError) return [...error.problems].sort();
    throw error;
  }
  return [];
}

const SHARED =
  /^(ALIPAY_(APP_ID|SELLER_ID|PUBLIC_KEY)|WECHATPAY_(APP_ID|MCH_ID|API_V3_KEY|PUBLIC_KEY|PUBLIC_KEY_ID|PLATFORM_CERTS)|UNIONPAY_(MER_ID|ROOT_CERT|MIDDLE_CERT)):/;

describe('provider config variables', () => {
  it('refuses a shared variable with the same message in both services', () => {
    const env = {
      ALIPAY_APP_ID: 'app-1',
      ALIPAY_SELLER_ID: '12345',
      WECHATPAY_APP_ID: 'wx-not-an-appid!',
      WECHATPAY_MCH_ID: 'mch',
      WECHATPAY_API_V3_KEY: 'short',
      WECHATPAY_PUBLIC_KEY_ID: 'KEY1',
      UNIONPAY_MER_ID: 'M-1',
    };
    const client = problems(ClientServiceConfig, env).filter((p) => SHARED.test(p));
    const notification = problems(NotificationServiceConfig, env).filter((p) => SHARED.test(p));
    expect(client.length).toBeGreaterThan(0);
    expect(client).toEqual(notification);
    expect(client.join('\n')).toContain('ALIPAY_SELLER_ID is required when ALIPAY_APP_ID is set: an Alipay user id');
    expect(client.join('\n')).toContain('ALIPAY_APP_ID must be the digits of an Alipay application id');
  });

  it('gives the notification side no signing or API key variable', () => {
    const notification = Object.keys(new NotificationServiceConfig());
    const client = Object.keys(new ClientServiceConfig());
    for (const name of [
      'ALIPAY_PRIVATE_KEY',
      'WECHATPAY_PRIVATE_KEY',
      'UNIONPAY_SIGN_PRIVATE_KEY',
      'STRIPE_SECRET_KEY',
    ]) {
      expect(client).toContain(name);
      expect(notification).not.toContain(name);
    }
    expect(notification).toContain('STRIPE_WEBHOOK_SECRET');
    expect(client).not.toContain('STRIPE_WEBHOOK_SECRET');
  });
});
