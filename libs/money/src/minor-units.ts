// Internal: exact conversion between decimal text and integer minor units, done on the digits as text so that
// no binary floating-point value ever holds an amount (0.1 + 0.2 !== 0.3; 1.15 * 100 === 114.99999999999999).
import { MoneyError, describeInput } from './money-error';

// Canonical plain decimal: no sign, exponent, whitespace, leading zeros or dangling point ("12.", ".5").
const PLAIN_DECIMAL = /^(0|[1-9][0-9]*)(?:\.([0-9]+))?$/;
const MAX_SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER);

/** Formats integer minor units as a decimal string with exactly `exponent` decimals (1230, 2 -> "12.30"). */
export function formatMinorUnits(amount: number, exponent: number): string {
  const digits = String(amount); // a safe non-negative integer always prints as plain digits
  if (exponent === 0) return digits;
  const padded = digits.padStart(exponent + 1, '0');
  return `${padded.slice(0, -exponent)}.${padded.slice(-exponent)}`;
}

/** Parses a plain decimal string into integer minor units; `label` names the currency in error messages. */
export function parseMinorUnits(text: unknown, exponent: number, label: string): number {
  if (typeof text !== 'string') {
    throw new MoneyError(
      'MONEY_INVALID_FORMAT',
      `Amount must be a decimal string, got ${typeof text === 'number' ? 'the number ' : ''}${describeInput(text)}`,
    );
  }
  const match = PLAIN_DECIMAL.exec(text);
  if (match === null) {
    const shape =
      exponent === 0
        ? 'digits only, like "1230"'
        : `digits with an optional "." and 1 to ${exponent} decimals, like "12.30"`;
    throw new MoneyError('MONEY_INVALID_FORMAT', `Invalid ${label} amount ${describeInput(text)}: expected ${shape}`);
  }
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  if (fraction.length > exponent) {
    const rule =
      exponent === 0
        ? `${label} has no minor unit, so no decimals are allowed`
        : `${label} allows at most ${exponent} decimals`;
    throw new MoneyError('MONEY_INVALID_FORMAT', `Invalid ${label} amount ${describeInput(text)}: ${rule}`);
  }
  const digits = (whole + fraction.padEnd(exponent, '0')).replace(/^0+(?=[0-9])/, '');
  // Equal-length digit strings compare like the numbers they spell.
  if (
    digits.length > MAX_SAFE_DIGITS.length ||
    (digits.length === MAX_SAFE_DIGITS.length && digits > MAX_SAFE_DIGITS)
  ) {
    throw new MoneyError(
      'MONEY_OUT_OF_RANGE',
      `${label} amount ${describeInput(text)} exceeds ${MAX_SAFE_DIGITS} minor units (Number.MAX_SAFE_INTEGER)`,
    );
  }
  return Number(digits); // exact: an integer string within the safe range
}
