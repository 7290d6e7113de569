import { type Currency, minorUnitExponent, parseCurrency } from './currency';
import { formatMinorUnits, parseMinorUnits } from './minor-units';
import { Money } from './money';

/** Major units as a decimal string with exactly the currency's decimals: CNY 1230 -> "12.30", JPY 1230 -> "1230". */
export function toDecimalString(money: Money): string {
  return formatMinorUnits(money.amount, minorUnitExponent(money.currency));
}

/**
 * Parses a plain decimal string of major units ("12.3", "12.30", "12" for CNY; "1230" for JPY) exactly, by string
 * arithmetic; rejects signs, exponents, whitespace, leading zeros, "12.", ".5", hex and extra decimals.
 */
export function fromDecimalString(text: string, currency: Currency): Money {
  const checked = parseCurrency(currency);
  return Money.of(parseMinorUnits(text, minorUnitExponent(checked), checked), checked);
}
