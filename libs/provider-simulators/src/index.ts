// Public API of @shop/provider-simulators: faithful fake payment providers for tests and local runs.
export { SimulatorError } from './simulator-error';
export type { SimulatorErrorCode } from './simulator-error';
export { generateAlipayKeys } from './alipay/alipay-keys';
export type { AlipayAppKeys, AlipayKeys, AlipayPlatformKeys } from './alipay/alipay-keys';
export { AlipaySimulator } from './alipay/alipay-simulator';
export type {
  AlipayPayOptions,
  AlipayPayResult,
  AlipaySimulatedTrade,
  AlipaySimulatorOptions,
  AlipayTradeStatus,
  NotificationDelivery,
} from './alipay/alipay-simulator';
export {
  UNIONPAY_SIGN_CN,
  createRootCa,
  generateUnionPayCertificates,
  issueCertificate,
  issueUnionPaySignLeaf,
  makeExpiredLeaf,
  makeForeignCaLeaf,
  makeWrongCnLeaf,
} from './unionpay/unionpay-certs';
export type { IssueOptions, IssuedCertificate, UnionPayCertificates } from './unionpay/unionpay-certs';
export { UnionPaySimulator } from './unionpay/unionpay-simulator';
export type {
  UnionPayLeafVariant,
  UnionPayNotificationDelivery,
  UnionPayPayOptions,
  UnionPayPayResult,
  UnionPaySigningLeaf,
  UnionPaySimulatedTrade,
  UnionPaySimulatorOptions,
  UnionPayTradeStatus,
} from './unionpay/unionpay-simulator';
export { StripeSimulator } from './stripe/stripe-simulator';
export type {
  StripeCheckoutSessionObject,
  StripeDeliveryOptions,
  StripeDeliveryResult,
  StripePaidEventType,
  StripePayOptions,
  StripePayResult,
  StripePaymentIntentObject,
  StripeSentEvent,
  StripeSimulatorOptions,
  StripeWebhookDelivery,
} from './stripe/stripe-simulator';
export { generateStripeSecrets, randomAlphanumeric } from './stripe/stripe-secrets';
export type { StripeSecrets } from './stripe/stripe-secrets';
export { stripeSignatureHeader } from './stripe/stripe-signature';
export { generateWechatPayKeys, generateWechatPayPlatformCertificate } from './wechatpay/wechatpay-keys';
export type {
  GenerateWechatPayKeysOptions,
  WechatPayKeys,
  WechatPayMerchantKeys,
  WechatPayPlatformCertificate,
  WechatPayPlatformKeys as WechatPaySimulatedPlatformKeys,
} from './wechatpay/wechatpay-keys';
export { WechatPaySimulator } from './wechatpay/wechatpay-simulator';
export type {
  WechatPayNotificationDelivery,
  WechatPayPayOptions,
  WechatPayPayResult,
  WechatPaySimulatedTrade,
  WechatPaySimulatorOptions,
  WechatPayTamper,
  WechatPayTradeState,
} from './wechatpay/wechatpay-simulator';
