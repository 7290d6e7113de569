import { paymentSucceededEventId } from './payment-event-id';
import { deterministicEventId } from '@shop/contracts';

describe('paymentSucceededEventId', () => {
  it('is deterministicEventId(provider, providerTransactionId, "PaymentSucceeded")', () => {
    const id = paymentSucceededEventId({
      provider: 'alipay',
      providerTransactionId: '2026112722001400001234567890',
      kind: 'payment-succeeded',
    });
    expect(id).toBe(deterministicEventId('alipay', '2026112722001400001234567890', 'PaymentSucceeded'));
  });

  it('refuses notifications that are not a successful payment', () => {
    expect(() =>
      paymentSucceededEventId({ provider: 'alipay', providerTransactionId: 't', kind: 'payment-closed' }),
    ).toThrow(expect.objectContaining({ code: 'PROVIDER_REQUEST_INVALID' }));
  });
});
