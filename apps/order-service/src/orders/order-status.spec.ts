import { ORDER_STATUSES, ORDER_TRANSITIONS, canTransition, isFinalStatus, type OrderStatus } from './order-status';

describe('the order transition table', () => {
  const allowed: [OrderStatus, OrderStatus][] = [
    ['PENDING_PAYMENT', 'PAID'],
    ['PENDING_PAYMENT', 'CANCELLED'],
    ['PAID', 'SHIPPED'],
    ['PAID', 'PARTIALLY_REFUNDED'],
    ['PAID', 'REFUNDED'],
    ['SHIPPED', 'COMPLETED'],
    ['SHIPPED', 'PARTIALLY_REFUNDED'],
    ['SHIPPED', 'REFUNDED'],
    ['COMPLETED', 'PARTIALLY_REFUNDED'],
    ['COMPLETED', 'REFUNDED'],
    ['PARTIALLY_REFUNDED', 'SHIPPED'],
    ['PARTIALLY_REFUNDED', 'COMPLETED'],
    ['PARTIALLY_REFUNDED', 'REFUNDED'],
  ];

  it('allows exactly these moves', () => {
    const moves = ORDER_STATUSES.flatMap((from) =>
      ORDER_STATUSES.filter((to) => canTransition(from, to)).map((to) => [from, to]),
    );
    expect(moves).toEqual(allowed);
  });

  it.each(ORDER_STATUSES)('never lets %s stay where it is (a repeat is not a transition)', (status) => {
    expect(canTransition(status, status)).toBe(false);
  });

  const reachable = (from: OrderStatus): Set<OrderStatus> => {
    const seen = new Set<OrderStatus>();
    const queue = [...ORDER_TRANSITIONS[from]];
    for (let next = queue.shift(); next; next = queue.shift()) {
      if (seen.has(next)) continue;
      seen.add(next);
      queue.push(...ORDER_TRANSITIONS[next]);
    }
    return seen;
  };

  it('never takes the payment back: no status leads to PENDING_PAYMENT or PAID again', () => {
    for (const status of ORDER_STATUSES) {
      expect(reachable(status).has('PENDING_PAYMENT')).toBe(false);
      if (status !== 'PENDING_PAYMENT') expect(reachable(status).has('PAID')).toBe(false);
    }
    expect(canTransition('CANCELLED', 'PAID')).toBe(false);
    expect(canTransition('REFUNDED', 'PAID')).toBe(false);
    expect(canTransition('SHIPPED', 'PAID')).toBe(false);
  });

  it('never lets an unpaid order ship, complete or be refunded', () => {
    for (const to of ['SHIPPED', 'COMPLETED', 'PARTIALLY_REFUNDED', 'REFUNDED'] as const) {
      expect(canTransition('PENDING_PAYMENT', to)).toBe(false);
      expect(reachable('CANCELLED').has(to)).toBe(false);
    }
  });

  it('never lets a fully refunded order ship or complete', () => {
    expect(reachable('REFUNDED').size).toBe(0);
  });

  it('treats CANCELLED and REFUNDED as final, and every other status as open', () => {
    expect(ORDER_STATUSES.filter(isFinalStatus)).toEqual(['CANCELLED', 'REFUNDED']);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(ORDER_TRANSITIONS)).toBe(true);
    for (const status of ORDER_STATUSES) expect(Object.isFrozen(ORDER_TRANSITIONS[status])).toBe(true);
  });
});
