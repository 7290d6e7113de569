// Public API of @shop/money: integer minor units plus an ISO 4217 currency, and every provider's amount format.
export type { Currency } from './currency';
export { SUPPORTED_CURRENCIES, isCurrency, minorUnitExponent, parseCurrency } from './currency';
export type { MoneyErrorCode } from './money-error';
export { MoneyError } from './money-error';
export type { MoneyJSON } from './money';
export { Money } from './money';
export { fromDecimalString, toDecimalString } from './decimal';
export type { StripeAmount } from './provider-formats';
export {
  ALIPAY_AMOUNT_RANGE,
  STRIPE_AMOUNT_MAX,
  UNION_PAY_AMOUNT_RANGE,
  WECHAT_PAY_AMOUNT_RANGE,
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
