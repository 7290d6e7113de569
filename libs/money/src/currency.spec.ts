import { MoneyError } from './money-error';
import { SUPPORTED_CURRENCIES, isCurrency, minorUnitExponent, parseCurrency } from './currency';

describe('currency', () => {
  it('supports CNY, USD, EUR, GBP and HKD with 2 decimals, JPY and KRW with none', () => {
    expect(Object.fromEntries(SUPPORTED_CURRENCIES.map((c) => [c, minorUnitExponent(c)]))).toEqual({
      CNY: 2,
      USD: 2,
      EUR: 2,
      GBP: 2,
      HKD: 2,
      JPY: 0,
      KRW: 0,
    });
  });

  it('recognises supported ISO 4217 codes exactly as ISO writes them (upper case)', () => {
    expect(isCurrency('CNY')).toBe(true);
    expect(isCurrency('JPY')).toBe(true);
    expect(isCurrency('cny')).toBe(false);
    expect(isCurrency(' CNY')).toBe(false);
    expect(isCurrency('XYZ')).toBe(false);
    expect(isCurrency('')).toBe(false);
    expect(isCurrency(156)).toBe(false);
    expect(isCurrency(undefined)).toBe(false);
  });

  it('does not mistake inherited object properties for currencies', () => {
    expect(isCurrency('toString')).toBe(false);
    expect(isCurrency('__proto__')).toBe(false);
    expect(isCurrency('constructor')).toBe(false);
  });

  it('parseCurrency returns a valid code and rejects anything else with MONEY_UNSUPPORTED_CURRENCY', () => {
    expect(parseCurrency('USD')).toBe('USD');
    const error = catchError(() => parseCurrency('BTC'));
    expect(error).toBeInstanceOf(MoneyError);
    expect(error.code).toBe('MONEY_UNSUPPORTED_CURRENCY');
    expect(error.message).toContain('"BTC"');
    expect(error.message).toContain('CNY');
  });

  it('minorUnitExponent refuses an unknown code smuggled past the type checker', () => {
    expect(() => minorUnitExponent('XYZ' as never)).toThrow(
      expect.objectContaining({ code: 'MONEY_UNSUPPORTED_CURRENCY' }),
    );
  });

  it('exposes a list callers cannot modify', () => {
    expect(Object.isFrozen(SUPPORTED_CURRENCIES)).toBe(true);
  });
});

function catchError(run: () => unknown): MoneyError {
  try {
    run();
  } catch (error) {
    return error as MoneyError;
  }
  throw new Error('expected an error');
}
