// Each payment provider's amount format, in one place, so clients, verifiers and simulators cannot disagree about it.
// Formats and limits: docs/providers.md.
import { type Currency, parseCurrency } from './currency';
import { formatMinorUnits, parseMinorUnits } from './minor-units';
import { Money } from './money';
import { MoneyError, describeInput } from './money-error';

/** Alipay's total_amount range in fen: 0.01 to 100000000.00 yuan. */
export const ALIPAY_AMOUNT_RANGE = Object.freeze({ min: 1, max: 10_000_000_000 });
/** WeChat Pay amounts are 32-bit signed ints of fen (its SDKs declare them `int`); orders need at least 1 fen. */
export const WECHAT_PAY_AMOUNT_RANGE = Object.freeze({ min: 1, max: 2_147_483_647 });
/** UnionPay ACP txnAmt is at most 12 digits of fen. */
export const UNION_PAY_AMOUNT_RANGE = Object.freeze({ min: 1, max: 999_999_999_999 });
/** Stripe accepts at most eight digits in `amount` for our currencies (99999999 = USD 999,999.99). */
export const STRIPE_AMOUNT_MAX = 99_999_999;

/** Stripe's view of an amount: integer minor units and a lower-case ISO code. */
export interface StripeAmount {
  readonly amount: number;
  readonly currency: Lowercase<Currency>;
}

function requireCny(currency: Currency, provider: string): void {
  if (currency !== 'CNY') {
    throw new MoneyError('MONEY_UNSUPPORTED_CURRENCY', `${provider} amounts must be CNY, got ${currency}`);
  }
}

function requireRange(money: Money, range: { min: number; max: number }, provider: string): void {
  if (money.amount < range.min || money.amount > range.max) {
    const min = Money.of(range.min, money.currency);
    const max = Money.of(range.max, money.currency);
    throw new MoneyError(
      'MONEY_OUT_OF_RANGE',
      `${provider} accepts ${min.toString()} to ${max.toString()}, got ${money.toString()}`,
    );
  }
}

/** Alipay total_amount / refund_amount: CNY as yuan with exactly 2 decimals ("12.30"), 0.01 to 100000000.00. */
export function toAlipayAmount(money: Money): string {
  requireCny(money.currency, 'Alipay');
  requireRange(money, ALIPAY_AMOUNT_RANGE, 'Alipay');
  return formatMinorUnits(money.amount, 2);
}

/**
 * Parses an Alipay amount field (total_amount, receipt_amount, refund_fee) as CNY. Up to 2 decimals are accepted
 * ("12.3" equals "12.30"); zero is allowed because refund_fee and receipt_amount can be "0.00".
 */
export function fromAlipayAmount(text: string): Money {
  const money = Money.of(parseMinorUnits(text, 2, 'Alipay CNY'), 'CNY');
  if (money.amount > ALIPAY_AMOUNT_RANGE.max) {
    throw new MoneyError('MONEY_OUT_OF_RANGE', `Alipay amount ${describeInput(text)} exceeds 100000000.00 yuan`);
  }
  return money;
}

/** WeChat Pay amount.total / amount.refund: CNY fen as an integer (1230 for 12.30 yuan). */
export function toWechatPayAmount(money: Money): number {
  requireCny(money.currency, 'WeChat Pay');
  requireRange(money, WECHAT_PAY_AMOUNT_RANGE, 'WeChat Pay');
  return money.amount;
}

/** Parses a WeChat Pay fen integer (amount.total, payer_total, refund) with its currency field, default "CNY"; zero is allowed for payer_total. */
export function fromWechatPayAmount(total: number, currency: string = 'CNY'): Money {
  requireCny(parseCurrency(currency), 'WeChat Pay');
  const money = Money.of(total, 'CNY');
  if (money.amount > WECHAT_PAY_AMOUNT_RANGE.max) {
    throw new MoneyError('MONEY_OUT_OF_RANGE', `WeChat Pay amount ${total} exceeds ${WECHAT_PAY_AMOUNT_RANGE.max} fen`);
  }
  return money;
}

/** UnionPay currencyCode for a currency: the ISO 4217 numeric code, "156" for CNY, the only one our gateway takes. */
export function unionPayCurrencyCode(currency: Currency): '156' {
  requireCny(parseCurrency(currency), 'UnionPay');
  return '156';
}

/** UnionPay txnAmt: CNY fen as an integer string without leading zeros ("1230"), at most 12 digits. */
export function toUnionPayAmount(money: Money): string {
  requireCny(money.currency, 'UnionPay');
  requireRange(money, UNION_PAY_AMOUNT_RANGE, 'UnionPay');
  return String(money.amount);
}

/**
 * Parses a UnionPay txnAmt / settleAmt fen string with its currencyCode (default "156"). Leading zeros are
 * tolerated: a digit string is unambiguous, and rejecting a genuine payment notification over padding would be worse.
 */
export function fromUnionPayAmount(txnAmt: string, currencyCode: string = '156'): Money {
  if (currencyCode !== '156') {
    throw new MoneyError(
      'MONEY_UNSUPPORTED_CURRENCY',
      `UnionPay currencyCode must be "156" (CNY), got ${describeInput(currencyCode)}`,
    );
  }
  if (typeof txnAmt !== 'string' || !/^[0-9]{1,12}$/.test(txnAmt)) {
    throw new MoneyError(
      'MONEY_INVALID_FORMAT',
      `Invalid UnionPay txnAmt ${describeInput(txnAmt)}: expected 1 to 12 digits of fen, like "1230"`,
    );
  }
  return Money.of(parseMinorUnits(txnAmt.replace(/^0+(?=[0-9])/, ''), 0, 'UnionPay fen'), 'CNY');
}

/** Stripe amount and currency: integer minor units (cents; yen for JPY, a zero-decimal currency) and a lower-case code. */
export function toStripeAmount(money: Money): StripeAmount {
  if (money.amount > STRIPE_AMOUNT_MAX) {
    throw new MoneyError(
      'MONEY_OUT_OF_RANGE',
      `Stripe accepts at most ${STRIPE_AMOUNT_MAX} minor units, got ${money.toString()}`,
    );
  }
  return { amount: money.amount, currency: money.currency.toLowerCase() as Lowercase<Currency> };
}

/** Parses a Stripe amount (integer minor units) and currency code ("usd"; Stripe sends lower case, upper case is accepted too). */
export function fromStripeAmount(amount: number, currency: string): Money {
  const code = typeof currency === 'string' ? currency.toUpperCase() : currency;
  return Money.of(amount, parseCurrency(code));
}
