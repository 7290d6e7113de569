/** Stable codes callers can switch on; messages may change, codes may not. */
export type MoneyErrorCode =
  | 'MONEY_INVALID_AMOUNT'
  | 'MONEY_INVALID_FORMAT'
  | 'MONEY_INVALID_QUANTITY'
  | 'MONEY_CURRENCY_MISMATCH'
  | 'MONEY_UNSUPPORTED_CURRENCY'
  | 'MONEY_OUT_OF_RANGE';

/** The one error type of @shop/money: a stable `code` plus a message naming the rule that was broken. */
export class MoneyError extends Error {
  override readonly name = 'MoneyError';

  constructor(
    readonly code: MoneyErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** Quotes untrusted input for an error message, cut short so a hostile value cannot flood the logs. */
export function describeInput(value: unknown): string {
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : String(value);
  const text =
    typeof value === 'string' ? JSON.stringify(value) : `a value of type ${value === null ? 'null' : typeof value}`;
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}
