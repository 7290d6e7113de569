import { Money } from './money';
import { MoneyError, type MoneyErrorCode } from './money-error';

function expectMoneyError(run: () => unknown, code: MoneyErrorCode, message?: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MoneyError);
  expect((caught as MoneyError).code).toBe(code);
  if (message) expect((caught as MoneyError).message).toMatch(message);
}

const cny = (amount: number) => Money.of(amount, 'CNY');

describe('Money', () => {
  describe('Money.of', () => {
    it('holds integer minor units and a currency', () => {
      const money = Money.of(1230, 'CNY');
      expect(money.amount).toBe(1230);
      expect(money.currency).toBe('CNY');
    });

    it('accepts zero and Number.MAX_SAFE_INTEGER, the two ends of the range', () => {
      expect(cny(0).amount).toBe(0);
      expect(cny(Number.MAX_SAFE_INTEGER).amount).toBe(Number.MAX_SAFE_INTEGER);
    });

    it('normalises -0 to 0', () => {
      expect(Object.is(cny(-0).amount, 0)).toBe(true);
    });

    it('rejects a negative amount', () => {
      expectMoneyError(() => cny(-1), 'MONEY_OUT_OF_RANGE', /negative/);
    });

    it('rejects a fractional amount, the usual sign of yuan passed where fen were expected', () => {
      expectMoneyError(() => cny(12.3), 'MONEY_INVALID_AMOUNT', /fractional.*CNY 0\.01/);
    });

    it('rejects NaN', () => {
      expectMoneyError(() => cny(Number.NaN), 'MONEY_INVALID_AMOUNT', /NaN/);
    });

    it('rejects Infinity and -Infinity', () => {
      expectMoneyError(() => cny(Number.POSITIVE_INFINITY), 'MONEY_INVALID_AMOUNT', /Infinity/);
      expectMoneyError(() => cny(Number.NEGATIVE_INFINITY), 'MONEY_INVALID_AMOUNT', /-Infinity/);
    });

    it('rejects amounts above Number.MAX_SAFE_INTEGER, where numbers stop being exact', () => {
      expectMoneyError(() => cny(Number.MAX_SAFE_INTEGER + 1), 'MONEY_OUT_OF_RANGE', /MAX_SAFE_INTEGER/);
      expectMoneyError(() => cny(1e21), 'MONEY_OUT_OF_RANGE');
    });

    it('rejects values that are not numbers, such as a string from JSON or a bigint', () => {
      expectMoneyError(() => cny('1230' as unknown as number), 'MONEY_INVALID_AMOUNT', /"1230"/);
      expectMoneyError(() => cny(1230n as unknown as number), 'MONEY_INVALID_AMOUNT', /1230n/);
      expectMoneyError(() => cny(null as unknown as number), 'MONEY_INVALID_AMOUNT', /null/);
    });

    it('rejects an unknown or lower-case currency', () => {
      expectMoneyError(() => Money.of(100, 'XYZ' as never), 'MONEY_UNSUPPORTED_CURRENCY', /"XYZ"/);
      expectMoneyError(() => Money.of(100, 'cny' as never), 'MONEY_UNSUPPORTED_CURRENCY', /"cny"/);
    });
  });

  describe('immutability', () => {
    it('cannot be changed after creation', () => {
      const money = cny(100);
      expect(Object.isFrozen(money)).toBe(true);
      expect(() => {
        (money as { amount: number }).amount = 1;
      }).toThrow(TypeError);
      expect(money.amount).toBe(100);
    });

    it('returns new instances from arithmetic and leaves the operands alone', () => {
      const a = cny(100);
      const b = cny(50);
      const sum = a.add(b);
      expect(sum).not.toBe(a);
      expect([a.amount, b.amount, sum.amount]).toEqual([100, 50, 150]);
    });
  });

  describe('add', () => {
    it('adds amounts of the same currency', () => {
      expect(cny(1230).add(cny(70)).equals(cny(1300))).toBe(true);
    });

    it('is exact where floating-point yuan are not (0.1 + 0.2)', () => {
      expect(cny(10).add(cny(20)).equals(cny(30))).toBe(true);
    });

    it('throws MONEY_CURRENCY_MISMATCH when currencies differ', () => {
      expectMoneyError(() => cny(100).add(Money.of(100, 'USD')), 'MONEY_CURRENCY_MISMATCH', /CNY 1\.00.*USD 1\.00/);
    });

    it('throws MONEY_OUT_OF_RANGE instead of losing precision past Number.MAX_SAFE_INTEGER', () => {
      expect(cny(Number.MAX_SAFE_INTEGER - 1).add(cny(1)).amount).toBe(Number.MAX_SAFE_INTEGER);
      expectMoneyError(() => cny(Number.MAX_SAFE_INTEGER).add(cny(1)), 'MONEY_OUT_OF_RANGE');
    });
  });

  describe('subtract', () => {
    it('subtracts amounts of the same currency, down to exactly zero', () => {
      expect(cny(1230).subtract(cny(230)).amount).toBe(1000);
      expect(cny(1230).subtract(cny(1230)).isZero()).toBe(true);
    });

    it('never goes below zero: throws MONEY_OUT_OF_RANGE (e.g. refunding more than was paid)', () => {
      expectMoneyError(() => cny(100).subtract(cny(101)), 'MONEY_OUT_OF_RANGE', /negative/);
    });

    it('throws MONEY_CURRENCY_MISMATCH when currencies differ', () => {
      expectMoneyError(() => cny(100).subtract(Money.of(1, 'JPY')), 'MONEY_CURRENCY_MISMATCH');
    });
  });

  describe('multiply', () => {
    it('multiplies by an integer quantity, including zero', () => {
      expect(cny(1999).multiply(3).amount).toBe(5997);
      expect(cny(1999).multiply(0).isZero()).toBe(true);
    });

    it.each([1.5, -1, Number.NaN, Number.POSITIVE_INFINITY, Number.MAX_SAFE_INTEGER + 1])(
      'rejects the quantity %p with MONEY_INVALID_QUANTITY',
      (quantity) => {
        expectMoneyError(() => cny(100).multiply(quantity), 'MONEY_INVALID_QUANTITY', /non-negative integer/);
      },
    );

    it('throws MONEY_OUT_OF_RANGE when the product passes Number.MAX_SAFE_INTEGER', () => {
      expectMoneyError(() => cny(Number.MAX_SAFE_INTEGER).multiply(2), 'MONEY_OUT_OF_RANGE');
      expectMoneyError(() => cny(2 ** 27).multiply(2 ** 26), 'MONEY_OUT_OF_RANGE');
    });
  });

  describe('equals', () => {
    it('is true only for the same amount in the same currency', () => {
      expect(cny(100).equals(cny(100))).toBe(true);
      expect(cny(100).equals(cny(101))).toBe(false);
    });

    it('treats a different currency as unequal rather than an error', () => {
      expect(cny(100).equals(Money.of(100, 'HKD'))).toBe(false);
    });
  });

  describe('compare', () => {
    it('returns -1, 0 or 1 and sorts ascending', () => {
      expect(cny(1).compare(cny(2))).toBe(-1);
      expect(cny(2).compare(cny(2))).toBe(0);
      expect(cny(3).compare(cny(2))).toBe(1);
      expect([cny(3), cny(1), cny(2)].sort((a, b) => a.compare(b)).map((m) => m.amount)).toEqual([1, 2, 3]);
    });

    it('throws MONEY_CURRENCY_MISMATCH when currencies differ', () => {
      expectMoneyError(() => cny(1).compare(Money.of(1, 'EUR')), 'MONEY_CURRENCY_MISMATCH');
    });
  });

  describe('isZero', () => {
    it('is true for zero only', () => {
      expect(Money.zero('JPY').isZero()).toBe(true);
      expect(Money.of(1, 'JPY').isZero()).toBe(false);
    });
  });

  describe('Money.sum', () => {
    it('adds a list of one currency', () => {
      expect(Money.sum([cny(100), cny(250), cny(5)], 'CNY').equals(cny(355))).toBe(true);
    });

    it('gives zero in the given currency for an empty list', () => {
      const total = Money.sum([], 'KRW');
      expect(total.isZero()).toBe(true);
      expect(total.currency).toBe('KRW');
    });

    it('throws MONEY_CURRENCY_MISMATCH when any item has another currency than the one given', () => {
      expectMoneyError(() => Money.sum([cny(100), Money.of(100, 'USD')], 'CNY'), 'MONEY_CURRENCY_MISMATCH');
      expectMoneyError(() => Money.sum([cny(100)], 'USD'), 'MONEY_CURRENCY_MISMATCH');
    });
  });

  describe('JSON', () => {
    it('serialises to {amount, currency} in minor units', () => {
      expect(cny(1230).toJSON()).toEqual({ amount: 1230, currency: 'CNY' });
      expect(JSON.stringify({ total: Money.of(1230, 'JPY') })).toBe('{"total":{"amount":1230,"currency":"JPY"}}');
    });

    it('round-trips through Money.fromJSON', () => {
      const money = Money.of(987654321, 'EUR');
      expect(Money.fromJSON(JSON.parse(JSON.stringify(money))).equals(money)).toBe(true);
    });

    it('fromJSON validates untrusted input with the same rules as Money.of', () => {
      expectMoneyError(() => Money.fromJSON(null), 'MONEY_INVALID_AMOUNT', /object/);
      expectMoneyError(() => Money.fromJSON('1230 CNY'), 'MONEY_INVALID_AMOUNT');
      expectMoneyError(() => Money.fromJSON({ amount: '12.30', currency: 'CNY' }), 'MONEY_INVALID_AMOUNT');
      expectMoneyError(() => Money.fromJSON({ amount: 12.3, currency: 'CNY' }), 'MONEY_INVALID_AMOUNT');
      expectMoneyError(() => Money.fromJSON({ amount: 1230 }), 'MONEY_UNSUPPORTED_CURRENCY');
    });
  });

  it('prints currency and major units for logs', () => {
    expect(String(cny(1230))).toBe('CNY 12.30');
    expect(String(cny(5))).toBe('CNY 0.05');
    expect(String(Money.of(1230, 'JPY'))).toBe('JPY 1230');
  });

  it('carries the error class name and code for log readers', () => {
    let caught: unknown;
    try {
      cny(-5);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(Error);
    expect((caught as MoneyError).name).toBe('MoneyError');
  });
});
