// Public API of @shop/providers: the provider-neutral PaymentProvider interface, its four adapters, and the config
// validators both services use for provider keys and certificates.
export type {
  CreatePaymentRequest,
  CreatePaymentResult,
  NotificationInput,
  NotificationKind,
  PaymentMethod,
  PaymentProvider,
  PaymentQueryResult,
  ProviderPaymentReference,
  ProviderHttpResponse,
  VerifiedNotification,
} from './provider';
export type { ProviderErrorCode } from './provider-error';
export { ProviderError } from './provider-error';
export type { NotificationRejectReason } from './notification-rejected.error';
export { NotificationRejectedError } from './notification-rejected.error';
export { parsePrivateKey, parsePublicKey } from './keys';
export type { RawJsonMember } from './raw-json-members';
export { rawJsonMembers } from './raw-json-members';
export type { AlipayConfig } from './alipay/alipay.config';
export type { AlipayAdapterOptions, AlipayVerifyOnlyConfig } from './alipay/alipay.adapter';
export { AlipayAdapter } from './alipay/alipay.adapter';
export type { AlipayParams, VerifiedAlipayAnswer } from './alipay/alipay-signer';
export {
  ALIPAY_NOTIFICATION_UNSIGNED_KEYS,
  ALIPAY_REQUEST_UNSIGNED_KEYS,
  alipayResponseKey,
  alipaySigningString,
  rsa2Sign,
  rsa2Verify,
  signAlipayNotification,
  signAlipayRequest,
  verifyAlipayAnswer,
  verifyAlipayNotification,
  verifyAlipayRequest,
} from './alipay/alipay-signer';
export { formatChinaTime, parseChinaTime } from './alipay/china-time';
export type { UnionPayConfig, UnionPayVerifyOnlyConfig } from './unionpay/unionpay.config';
export type { UnionPayRejectReason } from './unionpay/unionpay.adapter';
export { UnionPayAdapter } from './unionpay/unionpay.adapter';
export type { UnionPayCertRejectReason, UnionPayCertVerdict } from './unionpay/unionpay-certs';
export {
  UNIONPAY_CN_NAME,
  UnionPayCertVerifier,
  UnionPayTrustConfigError,
  decimalSerial,
} from './unionpay/unionpay-certs';
export type { UnionPayFields } from './unionpay/unionpay-signer';
export {
  UNIONPAY_UNSIGNED_KEY,
  parseUnionPayAnswer,
  signUnionPayFields,
  unionPayDigestHex,
  unionPaySigningString,
  verifyUnionPayFields,
} from './unionpay/unionpay-signer';
export { formatUnionPayTime, parseUnionPayTime, parseUnionPayTraceTime } from './unionpay/unionpay-time';
export type { StripeConfig } from './stripe/stripe.config';
export type { StripeRejectReason, StripeSessionRef } from './stripe/stripe.adapter';
export { StripeAdapter } from './stripe/stripe.adapter';
export type { WechatPayConfig, WechatPayPlatformKeys, WechatPayVerifyOnlyConfig } from './wechatpay/wechatpay.config';
export type { WechatPayAdapterOptions, WechatRejectReason } from './wechatpay/wechatpay.adapter';
export { WechatPayAdapter, cutDescription as cutWechatpayDescription } from './wechatpay/wechatpay.adapter';
export type {
  WechatpayAuthorization,
  WechatpayEncryptedResource,
  WechatpayRequestToSign,
} from './wechatpay/wechatpay-signer';
export {
  WECHATPAY_AUTH_SCHEMA,
  WECHATPAY_MAX_CLOCK_SKEW_SECONDS,
  WECHATPAY_RESOURCE_ALGORITHM,
  WECHATPAY_SIGNTEST_PREFIX,
  decryptWechatpayResource,
  encryptWechatpayResource,
  formatWechatpayAuthorization,
  isWechatpaySignatureProbe,
  parseWechatpayAuthorization,
  sha256WithRsaSign,
  sha256WithRsaVerify,
  signWechatpayMessage,
  signWechatpayRequest,
  verifyWechatpayMessage,
  verifyWechatpayRequest,
  wechatpayApiV3Key,
  wechatpayMessageSigningString,
  wechatpayNonce,
  wechatpayRequestSigningString,
} from './wechatpay/wechatpay-signer';
export { formatWechatpayTime, parseWechatpayTime } from './wechatpay/wechatpay-time';
export { IsPemCertificates } from './config/pem-certificates.validator';
export type { PemCertificatesOptions } from './config/pem-certificates.validator';
export { PemText, pemText, splitPemCertificates } from './config/pem-text';
export { IsRsaKey } from './config/rsa-key.validator';
export type { WechatPayVerifyingKeys } from './wechatpay/wechatpay-platform-keys';
export { platformCertificateSerial, wechatpayPlatformKeys } from './wechatpay/wechatpay-platform-keys';
export type { RefundCapable, RefundRequest, RefundResult } from './refund';
