import { ContractViolationError, parsePayload } from '../parse-payload';
import { Topics, allTopics } from '../topics';
import { PaymentAnomalyDetectedV1, paymentAnomalyEventId } from './payment-anomaly-detected.v1';

const valid = {
  type: 'DUPLICATE_PAYMENT',
  orderNo: '20261127ABCDEFGH',
  provider: 'alipay',
  providerTransactionId: '2026112722001400001',
  amount: 19_600,
  currency: 'CNY',
  detectedAt: '2026-11-27T10:00:00.000Z',
  detail: { statusAtArrival: 'PAID' },
};

describe('PaymentAnomalyDetectedV1', () => {
  it('is a created topic', () => {
    expect(Topics.PaymentAnomalyDetected).toBe('payments.payment-anomaly-detected.v1');
    expect(allTopics()).toEqual(
      expect.arrayContaining(['payments.payment-anomaly-detected.v1', 'payments.payment-anomaly-detected.v1.dlq']),
    );
  });

  it('accepts a valid payload, with or without detail, and an orphan’s free-form order number', () => {
    expect(parsePayload(PaymentAnomalyDetectedV1, valid)).toMatchObject(valid);
    const { detail: _detail, ...bare } = valid;
    expect(parsePayload(PaymentAnomalyDetectedV1, bare).detail).toBeUndefined();
    expect(
      parsePayload(PaymentAnomalyDetectedV1, { ...valid, type: 'ORPHAN_PAYMENT', orderNo: 'shop-2026/11/27-1' }),
    ).toBeInstanceOf(PaymentAnomalyDetectedV1);
  });

  it.each([
    ['an unknown type', { type: 'REFUND' }, 'type'],
    ['a decimal amount', { amount: 196.5 }, 'amount'],
    ['a negative amount', { amount: -1 }, 'amount'],
    ['an unknown currency', { currency: 'XXX' }, 'currency'],
    ['an unknown provider', { provider: 'paypal' }, 'provider'],
    ['no transaction id', { providerTransactionId: '' }, 'providerTransactionId'],
    ['a bad detection time', { detectedAt: 'yesterday' }, 'detectedAt'],
    ['a non-object detail', { detail: 'x' }, 'detail'],
  ])('refuses %s', (_case, overrides, field) => {
    expect(() => parsePayload(PaymentAnomalyDetectedV1, { ...valid, ...overrides })).toThrow(ContractViolationError);
    expect(() => parsePayload(PaymentAnomalyDetectedV1, { ...valid, ...overrides })).toThrow(field);
  });

  it('has one event id per (type, provider, transaction)', () => {
    const id = paymentAnomalyEventId({ type: 'LATE_PAYMENT', provider: 'alipay', providerTransactionId: 'T1' });
    expect(paymentAnomalyEventId({ type: 'LATE_PAYMENT', provider: 'alipay', providerTransactionId: 'T1' })).toBe(id);
    expect(
      paymentAnomalyEventId({ type: 'DUPLICATE_PAYMENT', provider: 'alipay', providerTransactionId: 'T1' }),
    ).not.toBe(id);
    expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
