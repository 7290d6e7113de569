import { providerLifetime } from './payment-deadline';
import { PaymentError } from './payment.error';

describe('providerLifetime', () => {
  const now = new Date('2026-11-27T08:00:00.000Z');
  const inSeconds = (s: number) => new Date(now.getTime() + s * 1000);

  it('rounds the time left up to whole minutes', () => {
    expect(providerLifetime('wechatpay', 'ORDER0001', inSeconds(25 * 60), now)).toBe('25m');
    expect(providerLifetime('unionpay', 'ORDER0001', inSeconds(61), now)).toBe('2m');
    expect(providerLifetime('alipay', 'ORDER0001', inSeconds(1), now)).toBe('1m');
  });

  it('holds the lifetime inside what the provider accepts (Stripe: 30 minutes to 24 hours, with a minute to spare; Alipay: 15 days)', () => {
    expect(providerLifetime('stripe', 'ORDER0001', inSeconds(10 * 60), now)).toBe('31m');
    expect(providerLifetime('stripe', 'ORDER0001', inSeconds(3 * 24 * 3600), now)).toBe('1439m');
    expect(providerLifetime('alipay', 'ORDER0001', inSeconds(20 * 24 * 3600), now)).toBe('21600m');
  });

  it('refuses a deadline that has passed with ORDER_PAYMENT_EXPIRED', () => {
    for (const payBy of [now, inSeconds(-5)]) {
      let caught: unknown;
      try {
        providerLifetime('wechatpay', 'ORDER0001', payBy, now);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PaymentError);
      expect(caught).toMatchObject({ code: 'ORDER_PAYMENT_EXPIRED', details: { orderNo: 'ORDER0001' } });
    }
  });
});
