import { providerDeadline } from './payment-deadline';
import { PaymentError } from './payment.error';

describe('providerDeadline', () => {
  const now = new Date('2026-11-27T08:00:00.000Z');
  const inSeconds = (s: number) => new Date(now.getTime() + s * 1000);
  const inMinutes = (m: number) => inSeconds(m * 60);

  it('rounds the time left up to whole minutes', () => {
    expect(providerDeadline('wechatpay', 'ORDER0001', inSeconds(25 * 60), now)).toEqual(inMinutes(25));
    expect(providerDeadline('unionpay', 'ORDER0001', inSeconds(61), now)).toEqual(inMinutes(2));
    expect(providerDeadline('alipay', 'ORDER0001', inSeconds(1), now)).toEqual(inMinutes(1));
  });

  it('holds the lifetime inside what the provider accepts (Stripe: 30 minutes to 24 hours, with a minute to spare; Alipay: 15 days)', () => {
    expect(providerDeadline('stripe', 'ORDER0001', inSeconds(10 * 60), now)).toEqual(inMinutes(31));
    expect(providerDeadline('stripe', 'ORDER0001', inSeconds(3 * 24 * 3600), now)).toEqual(inMinutes(1439));
    expect(providerDeadline('alipay', 'ORDER0001', inSeconds(20 * 24 * 3600), now)).toEqual(inMinutes(21600));
  });

  it('refuses a deadline that has passed with ORDER_PAYMENT_EXPIRED', () => {
    for (const payBy of [now, inSeconds(-5)]) {
      let caught: unknown;
      try {
        providerDeadline('wechatpay', 'ORDER0001', payBy, now);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(PaymentError);
      expect(caught).toMatchObject({ code: 'ORDER_PAYMENT_EXPIRED', details: { orderNo: 'ORDER0001' } });
    }
  });
});
