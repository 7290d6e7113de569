// Public API of @shop/providers: per provider a client (signed API calls, for the payment-gateway) and a
// notification verifier (for the notification-ingest), the signers both share, and the config both services use.
export type {
  CreatePaymentRequest,
  CreatePaymentResult,
  PaymentMethod,
  PaymentQueryResult,
  ProviderClient,
  ProviderPaymentReference,
} from './provider-client';
export type {
  NotificationInput,
  NotificationKind,
  NotificationRejection,
  NotificationRejectReason,
  NotificationVerdict,
  NotificationVerifier,
  ProviderHttpResponse,
  VerifiedNotification,
} from './notification-verifier';
export type { ProviderErrorCode } from './provider-error';
export { ProviderError } from './provider-error';
export { parsePrivateKey, parsePublicKey } from './keys';
export type { RawJsonMember } from './raw-json-members';
export { rawJsonMembers } from './raw-json-members';
export type { AlipayClientConfig, AlipayVerifierConfig } from './alipay/alipay.config';
export type { AlipayClientOptions } from './alipay/alipay.client';
export { AlipayClient } from './alipay/alipay.client';
export { AlipayNotificationVerifier } from './alipay/alipay-notification.verifier';
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
export type { UnionPayClientConfig, UnionPayTrustConfig, UnionPayVerifierConfig } from './unionpay/unionpay.config';
export { UnionPayClient } from './unionpay/unionpay.client';
export { UnionPayNotificationVerifier } from './unionpay/unionpay-notification.verifier';
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
export type { StripeClientConfig, StripeVerifierConfig } from './stripe/stripe.config';
export type { StripeSessionRef } from './stripe/stripe.client';
export { StripeClient } from './stripe/stripe.client';
export { StripeNotificationVerifier } from './stripe/stripe-notification.verifier';
export type {
  WechatPayClientConfig,
  WechatPayPlatformKeys,
  WechatPayVerifierConfig,
} from './wechatpay/wechatpay.config';
export type { WechatPayClientOptions } from './wechatpay/wechatpay.client';
export { WechatPayClient, cutDescription as cutWechatpayDescription } from './wechatpay/wechatpay.client';
export type { WechatPayVerifierOptions } from './wechatpay/wechatpay-notification.verifier';
export { WechatPayNotificationVerifier } from './wechatpay/wechatpay-notification.verifier';
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
export { AlipayClientEnv, AlipayEnv } from './config/alipay.env';
export { WechatPayClientEnv, WechatPayEnv } from './config/wechatpay.env';
export { UnionPayClientEnv, UnionPayEnv } from './config/unionpay.env';
export { StripeClientEnv, StripeWebhookEnv } from './config/stripe.env';
export { ProviderClientEnv, ProviderNotificationEnv } from './config/provider.env';
export type { WechatPayVerifyingKeys } from './wechatpay/wechatpay-platform-keys';
export { platformCertificateSerial, wechatpayPlatformKeys } from './wechatpay/wechatpay-platform-keys';
export type { RefundCapable, RefundRequest, RefundResult } from './refund';
