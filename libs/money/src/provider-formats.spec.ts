import { Money } from './money';
import { MoneyError, type MoneyErrorCode } from './money-error';
import {
  fromAlipayAmount,
  fromStripeAmount,
  fromUnionPayAmount,
  fromWechatPayAmount,
  toAlipayAmount,
  toStripeAmount,
  toUnionPayAmount,
  toWechatPayAmount,
  unionPayCurrencyCode,
} from './provider-formats';

const cny = (amount: number) => Money.of(amount, 'CNY');

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

describe('provider amount formats', () => {
  describe('Alipay total_amount: yuan as a string with exactly 2 decimals, 0.01 to 100000000', () => {
    it.each([
      [1230, '12.30'],
      [1200, '12.00'],
      [5, '0.05'],
      [1, '0.01'],
      [10_000_000_000, '100000000.00'],
    ])('writes %p fen as %p', (fen, text) => {
      expect(toAlipayAmount(cny(fen))).toBe(text);
    });

    it('rejects amounts outside 0.01..100000000.00 yuan with MONEY_OUT_OF_RANGE', () => {
      expectMoneyError(
        () => toAlipayAmount(cny(0)),
        'MONEY_OUT_OF_RANGE',
        /CNY 0\.01 to CNY 100000000\.00, got CNY 0\.00/,
      );
      expectMoneyError(() => toAlipayAmount(cny(10_000_000_001)), 'MONEY_OUT_OF_RANGE');
    });

    it('accepts CNY only', () => {
      expectMoneyError(() => toAlipayAmount(Money.of(1230, 'USD')), 'MONEY_UNSUPPORTED_CURRENCY', /Alipay.*CNY.*USD/);
    });

    it('reads amounts back as CNY, with one or two decimals or none', () => {
      expect(fromAlipayAmount('12.30').equals(cny(1230))).toBe(true);
      expect(fromAlipayAmount('12.3').equals(cny(1230))).toBe(true);
      expect(fromAlipayAmount('12').equals(cny(1200))).toBe(true);
      expect(fromAlipayAmount('100000000.00').amount).toBe(10_000_000_000);
    });

    it('reads "0.00", which Alipay sends in refund_fee and receipt_amount', () => {
      expect(fromAlipayAmount('0.00').isZero()).toBe(true);
    });

    it('rejects malformed text and amounts above 100000000 yuan', () => {
      for (const text of ['12.301', '-1', '1e3', ' 12', '', '12.', '.5', '0x10', '¥12.30']) {
        expectMoneyError(() => fromAlipayAmount(text), 'MONEY_INVALID_FORMAT');
      }
      expectMoneyError(() => fromAlipayAmount('100000000.01'), 'MONEY_OUT_OF_RANGE');
    });

    it('round-trips every boundary', () => {
      for (const fen of [1, 99, 100, 1230, 10_000_000_000]) {
        expect(fromAlipayAmount(toAlipayAmount(cny(fen))).amount).toBe(fen);
      }
    });
  });

  describe('WeChat Pay amount.total: fen as an integer', () => {
    it('writes fen as a number', () => {
      expect(toWechatPayAmount(cny(1230))).toBe(1230);
      expect(toWechatPayAmount(cny(1))).toBe(1);
      expect(toWechatPayAmount(cny(2_147_483_647))).toBe(2_147_483_647);
    });

    it('rejects zero and amounts beyond a 32-bit int with MONEY_OUT_OF_RANGE', () => {
      expectMoneyError(() => toWechatPayAmount(cny(0)), 'MONEY_OUT_OF_RANGE');
      expectMoneyError(() => toWechatPayAmount(cny(2_147_483_648)), 'MONEY_OUT_OF_RANGE');
    });

    it('accepts CNY only', () => {
      expectMoneyError(() => toWechatPayAmount(Money.of(1230, 'HKD')), 'MONEY_UNSUPPORTED_CURRENCY');
    });

    it('reads fen with the currency field, CNY by default, allowing 0 (payer_total)', () => {
      expect(fromWechatPayAmount(1230).equals(cny(1230))).toBe(true);
      expect(fromWechatPayAmount(1230, 'CNY').equals(cny(1230))).toBe(true);
      expect(fromWechatPayAmount(0).isZero()).toBe(true);
    });

    it('rejects non-integers, strings, negatives, oversize amounts and other currencies', () => {
      expectMoneyError(() => fromWechatPayAmount(12.3), 'MONEY_INVALID_AMOUNT');
      expectMoneyError(() => fromWechatPayAmount('1230' as unknown as number), 'MONEY_INVALID_AMOUNT');
      expectMoneyError(() => fromWechatPayAmount(-1), 'MONEY_OUT_OF_RANGE');
      expectMoneyError(() => fromWechatPayAmount(2_147_483_648), 'MONEY_OUT_OF_RANGE');
      expectMoneyError(() => fromWechatPayAmount(1230, 'USD'), 'MONEY_UNSUPPORTED_CURRENCY');
      expectMoneyError(() => fromWechatPayAmount(1230, 'cny'), 'MONEY_UNSUPPORTED_CURRENCY');
    });

    it('round-trips', () => {
      for (const fen of [1, 1230, 2_147_483_647])
        expect(fromWechatPayAmount(toWechatPayAmount(cny(fen))).amount).toBe(fen);
    });
  });

  describe('UnionPay txnAmt: fen as an integer string, currencyCode 156', () => {
    it('writes fen as digits without leading zeros', () => {
      expect(toUnionPayAmount(cny(1230))).toBe('1230');
      expect(toUnionPayAmount(cny(1))).toBe('1');
      expect(toUnionPayAmount(cny(999_999_999_999))).toBe('999999999999');
    });

    it('rejects zero and more than 12 digits with MONEY_OUT_OF_RANGE', () => {
      expectMoneyError(() => toUnionPayAmount(cny(0)), 'MONEY_OUT_OF_RANGE');
      expectMoneyError(() => toUnionPayAmount(cny(1_000_000_000_000)), 'MONEY_OUT_OF_RANGE');
    });

    it('accepts CNY only', () => {
      expectMoneyError(() => toUnionPayAmount(Money.of(1230, 'EUR')), 'MONEY_UNSUPPORTED_CURRENCY');
    });

    it('maps CNY to currencyCode "156" and refuses other currencies', () => {
      expect(unionPayCurrencyCode('CNY')).toBe('156');
      expectMoneyError(() => unionPayCurrencyCode('USD'), 'MONEY_UNSUPPORTED_CURRENCY');
    });

    it('reads txnAmt with its currencyCode, "156" by default', () => {
      expect(fromUnionPayAmount('1230').equals(cny(1230))).toBe(true);
      expect(fromUnionPayAmount('1230', '156').equals(cny(1230))).toBe(true);
      expect(fromUnionPayAmount('0').isZero()).toBe(true);
    });

    it('tolerates zero padding when reading, as the digits are unambiguous', () => {
      expect(fromUnionPayAmount('000000001230').amount).toBe(1230);
    });

    it('rejects anything but 1 to 12 digits, and other currency codes', () => {
      for (const text of ['', '12.30', '-1', '+1', '1e3', ' 1230', '0x10', '1234567890123']) {
        expectMoneyError(() => fromUnionPayAmount(text), 'MONEY_INVALID_FORMAT', /txnAmt/);
      }
      expectMoneyError(() => fromUnionPayAmount(1230 as unknown as string), 'MONEY_INVALID_FORMAT');
      expectMoneyError(() => fromUnionPayAmount('1230', '840'), 'MONEY_UNSUPPORTED_CURRENCY', /"840"/);
    });

    it('round-trips', () => {
      for (const fen of [1, 1230, 999_999_999_999])
        expect(fromUnionPayAmount(toUnionPayAmount(cny(fen))).amount).toBe(fen);
    });
  });

  describe('Stripe: integer in the smallest currency unit, lower-case currency', () => {
    it('writes cents for two-decimal currencies and whole units for zero-decimal ones', () => {
      expect(toStripeAmount(Money.of(1999, 'USD'))).toEqual({ amount: 1999, currency: 'usd' });
      expect(toStripeAmount(Money.of(1230, 'JPY'))).toEqual({ amount: 1230, currency: 'jpy' });
      expect(toStripeAmount(Money.of(50000, 'KRW'))).toEqual({ amount: 50000, currency: 'krw' });
      expect(toStripeAmount(cny(1230))).toEqual({ amount: 1230, currency: 'cny' });
    });

    it('enforces the eight-digit limit with MONEY_OUT_OF_RANGE', () => {
      expect(toStripeAmount(Money.of(99_999_999, 'USD')).amount).toBe(99_999_999);
      expectMoneyError(() => toStripeAmount(Money.of(100_000_000, 'USD')), 'MONEY_OUT_OF_RANGE');
    });

    it('reads Stripe amounts with lower-case (or upper-case) currency codes', () => {
      expect(fromStripeAmount(1999, 'usd').equals(Money.of(1999, 'USD'))).toBe(true);
      expect(fromStripeAmount(1230, 'jpy').equals(Money.of(1230, 'JPY'))).toBe(true);
      expect(fromStripeAmount(1230, 'EUR').equals(Money.of(1230, 'EUR'))).toBe(true);
      expect(fromStripeAmount(0, 'usd').isZero()).toBe(true);
    });

    it('rejects invalid amounts and unsupported currencies', () => {
      expectMoneyError(() => fromStripeAmount(19.99, 'usd'), 'MONEY_INVALID_AMOUNT');
      expectMoneyError(() => fromStripeAmount(-1, 'usd'), 'MONEY_OUT_OF_RANGE');
      expectMoneyError(() => fromStripeAmount(100, 'xyz'), 'MONEY_UNSUPPORTED_CURRENCY');
      expectMoneyError(() => fromStripeAmount(100, undefined as unknown as string), 'MONEY_UNSUPPORTED_CURRENCY');
    });

    it('round-trips', () => {
      for (const money of [Money.of(1, 'USD'), Money.of(1230, 'JPY'), Money.of(99_999_999, 'GBP')]) {
        const { amount, currency } = toStripeAmount(money);
        expect(fromStripeAmount(amount, currency).equals(money)).toBe(true);
      }
    });
  });
});
