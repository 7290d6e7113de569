import { fromDecimalString, toDecimalString } from './decimal';
import { Money } from './money';
import { MoneyError } from './money-error';

describe('decimal strings', () => {
  describe('toDecimalString', () => {
    it.each([
      [1230, 'CNY', '12.30'],
      [1, 'CNY', '0.01'],
      [10, 'USD', '0.10'],
      [0, 'EUR', '0.00'],
      [100000000, 'GBP', '1000000.00'],
      [Number.MAX_SAFE_INTEGER, 'HKD', '90071992547409.91'],
      [1230, 'JPY', '1230'],
      [0, 'KRW', '0'],
    ] as const)('formats %p %s as %p', (amount, currency, text) => {
      expect(toDecimalString(Money.of(amount, currency))).toBe(text);
    });
  });

  describe('fromDecimalString', () => {
    it.each([
      ['12.3', 'CNY', 1230],
      ['12.30', 'CNY', 1230],
      ['12', 'CNY', 1200],
      ['0', 'CNY', 0],
      ['0.5', 'USD', 50],
      ['0.05', 'USD', 5],
      ['0.00', 'USD', 0],
      ['1230', 'JPY', 1230],
      ['90071992547409.91', 'CNY', Number.MAX_SAFE_INTEGER],
      ['9007199254740991', 'JPY', Number.MAX_SAFE_INTEGER],
    ] as const)('reads %p %s as %p minor units', (text, currency, amount) => {
      const money = fromDecimalString(text, currency);
      expect(money.amount).toBe(amount);
      expect(money.currency).toBe(currency);
    });

    it('is exact where float arithmetic is not (1.15 * 100 is 114.99999999999999 as a float)', () => {
      expect(fromDecimalString('1.15', 'CNY').amount).toBe(115);
      expect(fromDecimalString('0.29', 'CNY').amount).toBe(29);
      expect(fromDecimalString('19.99', 'USD').amount).toBe(1999);
    });

    it.each([
      ['12.301', /at most 2 decimals/],
      ['12.300', /at most 2 decimals/],
      ['-1', /expected digits/],
      ['+1', /expected digits/],
      ['1e3', /expected digits/],
      [' 12', /expected digits/],
      ['12 ', /expected digits/],
      ['', /expected digits/],
      ['12.', /expected digits/],
      ['.5', /expected digits/],
      ['0x10', /expected digits/],
      ['012', /expected digits/],
      ['1,000.00', /expected digits/],
      ['12,30', /expected digits/],
      ['NaN', /expected digits/],
      ['Infinity', /expected digits/],
      ['١٢', /expected digits/],
    ])('rejects %p with MONEY_INVALID_FORMAT', (text, message) => {
      expect(() => fromDecimalString(text, 'CNY')).toThrow(MoneyError);
      expect(() => fromDecimalString(text, 'CNY')).toThrow(
        expect.objectContaining({ code: 'MONEY_INVALID_FORMAT', message: expect.stringMatching(message) }),
      );
    });

    it('quotes the rejected text so whitespace is visible in the message', () => {
      expect(() => fromDecimalString(' 12', 'CNY')).toThrow('Invalid CNY amount " 12"');
    });

    it('rejects any decimals for a zero-decimal currency such as JPY', () => {
      expect(() => fromDecimalString('1230.0', 'JPY')).toThrow(
        expect.objectContaining({
          code: 'MONEY_INVALID_FORMAT',
          message: expect.stringMatching(/JPY has no minor unit/),
        }),
      );
      expect(() => fromDecimalString('12.30', 'KRW')).toThrow(
        expect.objectContaining({ code: 'MONEY_INVALID_FORMAT' }),
      );
    });

    it('rejects a value that is not a string', () => {
      expect(() => fromDecimalString(12.3 as unknown as string, 'CNY')).toThrow(
        expect.objectContaining({
          code: 'MONEY_INVALID_FORMAT',
          message: expect.stringMatching(/decimal string, got the number 12\.3/),
        }),
      );
    });

    it('rejects amounts beyond Number.MAX_SAFE_INTEGER minor units with MONEY_OUT_OF_RANGE', () => {
      expect(() => fromDecimalString('90071992547409.92', 'CNY')).toThrow(
        expect.objectContaining({ code: 'MONEY_OUT_OF_RANGE' }),
      );
      expect(() => fromDecimalString('9007199254740992', 'JPY')).toThrow(
        expect.objectContaining({ code: 'MONEY_OUT_OF_RANGE' }),
      );
      expect(() => fromDecimalString('1'.repeat(400), 'JPY')).toThrow(
        expect.objectContaining({ code: 'MONEY_OUT_OF_RANGE' }),
      );
    });

    it('rejects an unknown currency with MONEY_UNSUPPORTED_CURRENCY', () => {
      expect(() => fromDecimalString('1.00', 'XXX' as never)).toThrow(
        expect.objectContaining({ code: 'MONEY_UNSUPPORTED_CURRENCY' }),
      );
    });

    it('cuts very long input short in the error message', () => {
      let message = '';
      try {
        fromDecimalString('x'.repeat(10_000), 'CNY');
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message.length).toBeLessThan(200);
    });
  });

  describe('round trips', () => {
    it.each([
      [0, 'CNY'],
      [1, 'CNY'],
      [1230, 'CNY'],
      [10000000000, 'CNY'],
      [99, 'USD'],
      [1230, 'JPY'],
      [50000, 'KRW'],
      [Number.MAX_SAFE_INTEGER, 'EUR'],
    ] as const)('Money.of(%p, %s) -> string -> Money is the same Money', (amount, currency) => {
      const money = Money.of(amount, currency);
      expect(fromDecimalString(toDecimalString(money), currency).equals(money)).toBe(true);
    });

    it('every fen from 0.00 to 10.00 yuan survives the round trip', () => {
      for (let fen = 0; fen <= 1000; fen++) {
        const money = Money.of(fen, 'CNY');
        expect(fromDecimalString(toDecimalString(money), 'CNY').amount).toBe(fen);
      }
    });
  });
});
