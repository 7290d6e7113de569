import { MoneyError, describeInput } from './money-error';

// Adding a currency: check Stripe's special cases first (ISK, HUF, TWD, UGX and three-decimal currencies need
// extra rules in toStripeAmount), and that every provider that may see it supports it.
const MINOR_UNIT_EXPONENTS = {
  CNY: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  HKD: 2,
  JPY: 0,
  KRW: 0,
} as const;

/** An ISO 4217 alphabetic code the shop supports (upper case, as ISO writes it). */
export type Currency = keyof typeof MINOR_UNIT_EXPONENTS;

/** Every supported currency, in a stable order (for validation messages and DTO enums). */
export const SUPPORTED_CURRENCIES: readonly Currency[] = Object.freeze(Object.keys(MINOR_UNIT_EXPONENTS) as Currency[]);

/** True when `value` is a supported ISO 4217 code; case-sensitive, so "cny" is not a currency here. */
export function isCurrency(value: unknown): value is Currency {
  // hasOwn, not `in`: "toString" or "__proto__" must not pass as currencies.
  return typeof value === 'string' && Object.hasOwn(MINOR_UNIT_EXPONENTS, value);
}

/** Validates untrusted input (a DTO field, a Kafka payload) as a Currency, or throws MONEY_UNSUPPORTED_CURRENCY. */
export function parseCurrency(value: unknown): Currency {
  if (!isCurrency(value)) {
    throw new MoneyError(
      'MONEY_UNSUPPORTED_CURRENCY',
      `Unsupported currency ${describeInput(value)}: expected one of ${SUPPORTED_CURRENCIES.join(', ')}`,
    );
  }
  return value;
}

/** Digits after the decimal point in the currency's major unit: 2 for CNY (fen), 0 for JPY and KRW. */
export function minorUnitExponent(currency: Currency): number {
  // Checked at run time too: callers outside TypeScript's reach (JSON, casts) must not get `undefined`.
  return MINOR_UNIT_EXPONENTS[parseCurrency(currency)];
}
