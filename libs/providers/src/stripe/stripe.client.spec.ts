import { Money } from '@shop/money';
import { ProviderError } from '../provider-error';
import { StripeClient } from './stripe.client';

const NOW = new Date('2026-11-27T02:00:00Z');

describe('StripeClient configuration', () => {
  it('lists every configuration problem at once, without the values', () => {
    let error: unknown;
    try {
      new StripeClient({ secretKey: 'pk_test_publishable', apiBaseUrl: 'ftp://example' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ProviderError);
    const details = (error as ProviderError).details as { problems: string[] };
    expect(details.problems).toHaveLength(2);
    expect((error as ProviderError).message).not.toContain('pk_test_publishable');
  });

  it('refuses a live key over plain http and an apiBaseUrl with a path', () => {
    expect(() => new StripeClient({ secretKey: 'sk_live_abc', apiBaseUrl: 'http://127.0.0.1:3103' })).toThrow(/https/);
    expect(() => new StripeClient({ secretKey: 'sk_test_abc', apiBaseUrl: 'http://127.0.0.1/v1' })).toThrow(
      /scheme, host and port/,
    );
  });

  it('cannot be built without a secret key: every API call needs one', () => {
    expect(() => new StripeClient({ secretKey: '' })).toThrow(
      expect.objectContaining({ code: 'PROVIDER_CONFIG_INVALID' }),
    );
  });
});

describe('StripeClient.createPayment and queryPayment', () => {
  it('refuses other methods, bad order numbers and expiries before calling Stripe', async () => {
    // Port 9 (discard): nothing listens, so a request that got through would fail with PROVIDER_UNAVAILABLE.
    const offline = new StripeClient({
      secretKey: 'sk_test_unit',
      apiBaseUrl: 'http://127.0.0.1:9',
      maxNetworkRetries: 0,
      now: () => NOW,
    });
    const request = {
      orderNo: 'ORD_1',
      amount: Money.of(100, 'USD'),
      subject: 'x',
      method: 'checkout' as const,
      notifyUrl: 'https://shop.example/notify/stripe',
    };
    await expect(offline.createPayment({ ...request, method: 'qr' })).rejects.toMatchObject({
      code: 'PROVIDER_METHOD_UNSUPPORTED',
    });
    await expect(offline.createPayment({ ...request, orderNo: 'has space' })).rejects.toMatchObject({
      code: 'PROVIDER_REQUEST_INVALID',
    });
    await expect(
      offline.createPayment({ ...request, expiresAt: new Date(NOW.getTime() + 15 * 60_000) }),
    ).rejects.toMatchObject({
      code: 'PROVIDER_REQUEST_INVALID',
    });
    await expect(offline.createPayment({ ...request, amount: Money.of(100_000_000, 'USD') })).rejects.toMatchObject({
      code: 'PROVIDER_REQUEST_INVALID',
    });
    await expect(offline.queryPayment('ORD_1', { sessionId: 'pi_123' })).rejects.toMatchObject({
      code: 'PROVIDER_REQUEST_INVALID',
    });
    await expect(offline.createPayment(request)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
  });
});
