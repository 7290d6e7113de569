// The payment provider variables each service reads (the same names in payment-gateway and notification-ingest),
// shared by the compose and Kubernetes checks.

/** Provider variables by the service that reads them. */
export const PROVIDER_ENV: Readonly<Record<string, readonly string[]>> = {
  'payment-gateway': [
    ...['ALIPAY_APP_ID', 'ALIPAY_SELLER_ID', 'ALIPAY_PRIVATE_KEY', 'ALIPAY_PUBLIC_KEY', 'ALIPAY_GATEWAY_URL'],
    ...['WECHATPAY_APP_ID', 'WECHATPAY_MCH_ID', 'WECHATPAY_API_V3_KEY', 'WECHATPAY_PRIVATE_KEY'],
    ...['WECHATPAY_CERT_SERIAL', 'WECHATPAY_PUBLIC_KEY', 'WECHATPAY_PUBLIC_KEY_ID', 'WECHATPAY_PLATFORM_CERTS'],
    'WECHATPAY_BASE_URL',
    ...['UNIONPAY_MER_ID', 'UNIONPAY_SIGN_PRIVATE_KEY', 'UNIONPAY_SIGN_CERT_ID', 'UNIONPAY_ROOT_CERT'],
    ...['UNIONPAY_MIDDLE_CERT', 'UNIONPAY_GATEWAY_URL'],
    ...['STRIPE_SECRET_KEY', 'STRIPE_API_BASE_URL'],
  ],
  'notification-ingest': [
    ...['ALIPAY_APP_ID', 'ALIPAY_SELLER_ID', 'ALIPAY_PUBLIC_KEY'],
    ...['WECHATPAY_APP_ID', 'WECHATPAY_MCH_ID', 'WECHATPAY_API_V3_KEY', 'WECHATPAY_PUBLIC_KEY'],
    ...['WECHATPAY_PUBLIC_KEY_ID', 'WECHATPAY_PLATFORM_CERTS'],
    ...['UNIONPAY_MER_ID', 'UNIONPAY_ROOT_CERT', 'UNIONPAY_MIDDLE_CERT'],
    'STRIPE_WEBHOOK_SECRET',
    'TRUSTED_PROXIES',
    ...['ALIPAY', 'WECHATPAY', 'UNIONPAY', 'STRIPE'].map((p) => `${p}_CALLBACK_ALLOWED_IPS`),
  ],
};

/** What signs requests or calls a provider's API: never in the internet-facing notification-ingest. */
export const SIGNING_ONLY = [
  'ALIPAY_PRIVATE_KEY',
  'WECHATPAY_PRIVATE_KEY',
  'UNIONPAY_SIGN_PRIVATE_KEY',
  'STRIPE_SECRET_KEY',
];

/** A provider's own variable (its id, keys, URL, allowlist). */
export const isProviderVariable = (key: string): boolean => /^(ALIPAY|WECHATPAY|UNIONPAY|STRIPE)_/.test(key);

/** A key that must never have a literal value or a default: private keys, the APIv3 key, Stripe secrets. */
export const isProviderSecret = (key: string): boolean => /PRIVATE_KEY|API_V3_KEY|SECRET/.test(key);

/** Ids, keys and certificates: Secret material in Kubernetes (everything but URLs and allowlists). */
export const isProviderCredential = (key: string): boolean =>
  isProviderVariable(key) && !/_URL$|_ALLOWED_IPS$/.test(key);
