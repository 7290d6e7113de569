import { ORDER_STATUSES, ORDER_TRANSITIONS, canTransition, isFinalStatus, type OrderStatus } from './order-status';

describe('the order transition table', () => {
  const allowed: [OrderStatus, OrderStatus][] = [
    ['PENDING_PAYMENT', 'PAID'],
    ['PENDING_PAYMENT', 'CANCELLED'],
    ['PAID', 'SHIPPED'],
    ['PAID', 'REFUNDED'],
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

  it('never moves backwards: no status is reachable again from any status reachable from it', () => {
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
    for (const status of ORDER_STATUSES) expect(reachable(status).has(status)).toBe(false);
    expect(canTransition('PAID', 'PENDING_PAYMENT')).toBe(false);
    expect(canTransition('CANCELLED', 'PAID')).toBe(false);
    expect(canTransition('REFUNDED', 'PAID')).toBe(false);
    expect(canTransition('SHIPPED', 'PAID')).toBe(false);
  });

  it('treats CANCELLED, SHIPPED and REFUNDED as final for now, and PENDING_PAYMENT and PAID as open', () => {
    expect(ORDER_STATUSES.filter(isFinalStatus)).toEqual(['CANCELLED', 'SHIPPED', 'REFUNDED']);
  });

  it('cannot be changed at run time', () => {
    expect(Object.isFrozen(ORDER_TRANSITIONS)).toBe(true);
    for (const status of ORDER_STATUSES) expect(Object.isFrozen(ORDER_TRANSITIONS[status])).toBe(true);
  });
});
