import { ORDER_NO_PATTERN, newOrderNo } from './order-number';

describe('newOrderNo', () => {
  it('is 14 UTC time digits then 10 base32 characters: 24 letters and digits', () => {
    const orderNo = newOrderNo(new Date('2025-11-27T09:30:15.999Z'));
    expect(orderNo).toMatch(/^20251127093015[0-9A-Z]{10}$/);
    expect(orderNo).toMatch(ORDER_NO_PATTERN);
    expect(orderNo).toHaveLength(24);
  });

  it('uses UTC, not the local time zone, and pads every field', () => {
    expect(newOrderNo(new Date('2026-01-02T03:04:05Z'), () => Buffer.alloc(10))).toBe('202601020304050000000000');
  });

  it('fits every provider: WeChat Pay 6..32 of [0-9A-Za-z_-*], UnionPay 8..40 alphanumeric, Alipay <= 64', () => {
    for (let i = 0; i < 1000; i++) {
      const orderNo = newOrderNo();
      expect(orderNo).toMatch(/^[0-9A-Za-z_\-*]{6,32}$/);
      expect(orderNo).toMatch(/^[0-9A-Za-z]{8,40}$/);
      expect(orderNo.length).toBeLessThanOrEqual(64);
      // The contracts' rule for orderNo (OrderCreatedV1, PaymentSucceededV1).
      expect(orderNo).toMatch(/^[A-Za-z0-9]{8,32}$/);
    }
  });

  it('maps random bytes onto the whole alphabet, never onto I, L, O or U', () => {
    const seen = new Set<string>();
    for (let b = 0; b < 256; b += 10) {
      seen.add(newOrderNo(new Date(0), (size) => Buffer.alloc(size, b)).slice(14, 15));
    }
    for (let b = 0; b < 32; b++) seen.add(newOrderNo(new Date(0), (size) => Buffer.alloc(size, b)).slice(14, 15));
    expect([...seen].sort().join('')).toBe('0123456789ABCDEFGHJKMNPQRSTVWXYZ');
  });

  it('sorts by creation time across seconds, whatever the random part', () => {
    const start = Date.parse('2025-12-31T23:59:58Z');
    const numbers = Array.from({ length: 500 }, (_, i) => ({
      at: start + i * 997,
      // The earliest number gets the largest random part, the latest the smallest: time must still win.
      orderNo: newOrderNo(new Date(start + i * 997), (size) => Buffer.alloc(size, 255 - (i % 32))),
    }));
    const shuffled = [...numbers].sort(() => Math.random() - 0.5);
    const byNumber = shuffled.sort((a, b) => (a.orderNo < b.orderNo ? -1 : a.orderNo > b.orderNo ? 1 : 0));
    const seconds = byNumber.map((n) => Math.floor(n.at / 1000));
    expect(seconds).toEqual([...seconds].sort((a, b) => a - b));
  });

  it('draws 100,000 distinct numbers within the same second', () => {
    const now = new Date('2025-11-27T09:30:15Z');
    const drawn = new Set<string>();
    for (let i = 0; i < 100_000; i++) drawn.add(newOrderNo(now));
    expect(drawn.size).toBe(100_000);
  });
});
