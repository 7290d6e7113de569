import { paymentSucceededEventId } from './payment-succeeded.v1';
import { PROVIDER_NAMES, isProviderName } from '../providers';

describe('paymentSucceededEventId', () => {
  it('never changes for a payment: ids already stored in outboxes and inboxes must keep matching', () => {
    // Pinned: a different value for the same payment would let a callback after an upgrade apply twice.
    expect(paymentSucceededEventId('alipay', '2026112722001400001234567890')).toBe(
      '7e4a5f04-f13d-51d5-953f-2b544bdd1e89',
    );
  });

  it('is one id per provider payment, different across providers and transactions', () => {
    const ids = new Set(
      PROVIDER_NAMES.flatMap((provider) => ['T1', 'T2'].map((tx) => paymentSucceededEventId(provider, tx))),
    );
    expect(ids.size).toBe(PROVIDER_NAMES.length * 2);
    expect(paymentSucceededEventId('stripe', 'pi_1')).toBe(paymentSucceededEventId('stripe', 'pi_1'));
  });
});

describe('provider names', () => {
  it('knows exactly the four providers, and nothing that merely looks like one', () => {
    expect(PROVIDER_NAMES).toEqual(['alipay', 'wechatpay', 'unionpay', 'stripe']);
    expect(isProviderName('alipay')).toBe(true);
    for (const name of ['Alipay', 'alipay ', '%61lipay', '', undefined, 'paypal']) {
      expect(isProviderName(name)).toBe(false);
    }
  });
});
