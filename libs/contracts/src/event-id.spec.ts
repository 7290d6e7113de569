import { deterministicEventId } from './event-id';

describe('deterministicEventId', () => {
  it('gives the same UUID v5 for the same parts', () => {
    const a = deterministicEventId('alipay', '2026112722001', 'PaymentSucceeded');
    expect(a).toBe(deterministicEventId('alipay', '2026112722001', 'PaymentSucceeded'));
    expect(a).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('differs when any part differs, including how the parts are split', () => {
    const base = deterministicEventId('alipay', 'T1', 'PaymentSucceeded');
    expect(deterministicEventId('wechatpay', 'T1', 'PaymentSucceeded')).not.toBe(base);
    expect(deterministicEventId('alipay', 'T2', 'PaymentSucceeded')).not.toBe(base);
    expect(deterministicEventId('alipay', 'T1', 'RefundSucceeded')).not.toBe(base);
    expect(deterministicEventId('ab', 'c')).not.toBe(deterministicEventId('a', 'bc'));
  });
});
