import * as money from '@shop/money';

describe('@shop/money public API', () => {
  it('is importable through the path alias and works end to end', () => {
    const order = money.fromDecimalString('12.3', 'CNY').multiply(2);
    expect(money.toAlipayAmount(order)).toBe('24.60');
    expect(money.toWechatPayAmount(order)).toBe(2460);
    expect(money.toUnionPayAmount(order)).toBe('2460');
    expect(money.toStripeAmount(order)).toEqual({ amount: 2460, currency: 'cny' });
  });

  it('exports the documented symbols', () => {
    expect(Object.keys(money).sort()).toEqual(
      [
        'ALIPAY_AMOUNT_RANGE',
        'Money',
        'MoneyError',
        'STRIPE_AMOUNT_MAX',
        'SUPPORTED_CURRENCIES',
        'UNION_PAY_AMOUNT_RANGE',
        'WECHAT_PAY_AMOUNT_RANGE',
        'fromAlipayAmount',
        'fromDecimalString',
        'fromStripeAmount',
        'fromUnionPayAmount',
        'fromWechatPayAmount',
        'isCurrency',
        'minorUnitExponent',
        'parseCurrency',
        'toAlipayAmount',
        'toDecimalString',
        'toStripeAmount',
        'toUnionPayAmount',
        'toWechatPayAmount',
        'unionPayCurrencyCode',
      ].sort(),
    );
  });
});
