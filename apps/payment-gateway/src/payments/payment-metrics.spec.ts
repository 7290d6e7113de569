import { errorKindOf, operationOf } from './payment-metrics';

describe('provider call labels', () => {
  it('maps the logged operation names onto the metric operations', () => {
    expect(operationOf('create-payment:qr')).toBe('pay');
    expect(operationOf('create-payment:checkout')).toBe('pay');
    expect(operationOf('query-payment')).toBe('query');
    expect(operationOf('close-payment')).toBe('close');
    expect(operationOf('refund')).toBe('refund');
    expect(operationOf('refund-query')).toBe('refund_query');
    expect(operationOf('something-else')).toBeUndefined();
  });

  it('sorts provider error codes into kinds of failure', () => {
    expect(errorKindOf('PROVIDER_TIMEOUT')).toBe('timeout');
    expect(errorKindOf('PROVIDER_UNAVAILABLE')).toBe('network');
    expect(errorKindOf('PROVIDER_ANSWER_SIGNATURE_INVALID')).toBe('invalid_response');
    expect(errorKindOf('PROVIDER_ANSWER_INVALID')).toBe('invalid_response');
    expect(errorKindOf('PROVIDER_REJECTED')).toBe('rejected');
    expect(errorKindOf('INTERNAL_ERROR')).toBe('http');
    expect(errorKindOf(undefined)).toBe('http');
  });
});
