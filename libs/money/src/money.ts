import { type Currency, minorUnitExponent, parseCurrency } from './currency';
import { formatMinorUnits } from './minor-units';
import { MoneyError, describeInput } from './money-error';

/** The wire shape of Money in JSON bodies, Kafka payloads and database JSON columns. */
export interface MoneyJSON {
  readonly amount: number;
  readonly currency: Currency;
}

/**
 * An immutable non-negative amount of integer minor units (fen, cents, yen) in one ISO 4217 currency.
 * Amounts are JS numbers limited to Number.MAX_SAFE_INTEGER (about 90 trillion yuan), far above any provider's
 * limit, so every value is exact without bigint; operations that would leave that range throw.
 */
export class Money {
  private constructor(
    /** Integer minor units, 0 to Number.MAX_SAFE_INTEGER. */
    readonly amount: number,
    readonly currency: Currency,
  ) {
    Object.freeze(this);
  }

  /** Creates Money from integer minor units (`Money.of(1230, 'CNY')` is 12.30 yuan); throws MoneyError if invalid. */
  static of(amount: number, currency: Currency): Money {
    const checked = parseCurrency(currency);
    if (typeof amount !== 'number') {
      throw new MoneyError(
        'MONEY_INVALID_AMOUNT',
        `Amount must be a number of minor units, got ${describeInput(amount)}`,
      );
    }
    if (Number.isNaN(amount)) {
      throw new MoneyError('MONEY_INVALID_AMOUNT', 'Amount is NaN: expected an integer number of minor units');
    }
    if (!Number.isFinite(amount)) {
      throw new MoneyError('MONEY_INVALID_AMOUNT', `Amount is ${amount}: expected an integer number of minor units`);
    }
    if (!Number.isInteger(amount)) {
      throw new MoneyError(
        'MONEY_INVALID_AMOUNT',
        `Amount ${amount} is fractional: amounts are integer minor units (1 = ${checked} ${formatMinorUnits(1, minorUnitExponent(checked))})`,
      );
    }
    if (amount < 0) {
      throw new MoneyError('MONEY_OUT_OF_RANGE', `Amount ${amount} is negative: Money is never below zero`);
    }
    if (amount > Number.MAX_SAFE_INTEGER) {
      throw new MoneyError(
        'MONEY_OUT_OF_RANGE',
        `Amount ${amount} exceeds Number.MAX_SAFE_INTEGER (${Number.MAX_SAFE_INTEGER}) minor units, beyond which numbers are inexact`,
      );
    }
    // -0 passes every check above; normalise it so equal amounts are indistinguishable.
    return new Money(amount === 0 ? 0 : amount, checked);
  }

  /** Zero in the given currency: the identity for `add` and the result of summing nothing. */
  static zero(currency: Currency): Money {
    return Money.of(0, currency);
  }

  /** Validates an untrusted `{amount, currency}` object (an inbound message) and returns Money, or throws MoneyError. */
  static fromJSON(value: unknown): Money {
    if (typeof value !== 'object' || value === null) {
      throw new MoneyError(
        'MONEY_INVALID_AMOUNT',
        `Money must be an object {amount, currency}, got ${describeInput(value)}`,
      );
    }
    const { amount, currency } = value as Record<string, unknown>;
    return Money.of(amount as number, parseCurrency(currency));
  }

  /** Adds the amounts of a list in one currency; an empty list gives zero, which is why the currency is required. */
  static sum(list: Iterable<Money>, currency: Currency): Money {
    let total = Money.zero(currency);
    for (const item of list) total = total.add(item);
    return total;
  }

  /** Returns this plus `other`; throws MONEY_CURRENCY_MISMATCH or MONEY_OUT_OF_RANGE. */
  add(other: Money): Money {
    this.assertSameCurrency(other, 'add');
    const result = this.amount + other.amount;
    // Float rounding is monotonic, so a true sum above the safe range never rounds back into it.
    if (!Number.isSafeInteger(result)) {
      throw new MoneyError(
        'MONEY_OUT_OF_RANGE',
        `${this.toString()} + ${other.toString()} exceeds Number.MAX_SAFE_INTEGER minor units`,
      );
    }
    return new Money(result, this.currency);
  }

  /** Returns this minus `other`; throws MONEY_OUT_OF_RANGE rather than go below zero (a refund over the paid sum). */
  subtract(other: Money): Money {
    this.assertSameCurrency(other, 'subtract');
    if (other.amount > this.amount) {
      throw new MoneyError('MONEY_OUT_OF_RANGE', `${this.toString()} - ${other.toString()} would be negative`);
    }
    return new Money(this.amount - other.amount, this.currency);
  }

  /** Returns this times a non-negative integer quantity (a line item); fractional factors belong to pricing code with a rounding rule. */
  multiply(quantity: number): Money {
    if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 0) {
      throw new MoneyError(
        'MONEY_INVALID_QUANTITY',
        `Quantity must be a non-negative integer, got ${describeInput(quantity)}`,
      );
    }
    const result = this.amount * quantity;
    if (!Number.isSafeInteger(result)) {
      throw new MoneyError(
        'MONEY_OUT_OF_RANGE',
        `${this.toString()} * ${quantity} exceeds Number.MAX_SAFE_INTEGER minor units`,
      );
    }
    return new Money(result === 0 ? 0 : result, this.currency);
  }

  /** True when both amount and currency match; a different currency is simply not equal (no throw). */
  equals(other: Money): boolean {
    return this.currency === other.currency && this.amount === other.amount;
  }

  /** -1, 0 or 1 as this is less than, equal to or greater than `other` (usable in Array#sort); throws on mixed currencies. */
  compare(other: Money): -1 | 0 | 1 {
    this.assertSameCurrency(other, 'compare');
    return this.amount < other.amount ? -1 : this.amount > other.amount ? 1 : 0;
  }

  /** True for a zero amount. */
  isZero(): boolean {
    return this.amount === 0;
  }

  /** `{amount, currency}` in minor units, so JSON.stringify(money) round-trips through Money.fromJSON. */
  toJSON(): MoneyJSON {
    return { amount: this.amount, currency: this.currency };
  }

  /** A readable form for logs and error messages, e.g. "CNY 12.30" or "JPY 1230". */
  toString(): string {
    return `${this.currency} ${formatMinorUnits(this.amount, minorUnitExponent(this.currency))}`;
  }

  private assertSameCurrency(other: Money, operation: string): void {
    if (!(other instanceof Money)) {
      throw new MoneyError('MONEY_INVALID_AMOUNT', `Cannot ${operation} ${describeInput(other)}: expected Money`);
    }
    if (other.currency !== this.currency) {
      throw new MoneyError(
        'MONEY_CURRENCY_MISMATCH',
        `Cannot ${operation} ${this.toString()} and ${other.toString()}: currencies differ`,
      );
    }
  }
}
