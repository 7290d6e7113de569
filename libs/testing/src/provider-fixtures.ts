import {
  StripeSimulator,
  UnionPaySimulator,
  WechatPaySimulator,
  generateStripeSecrets,
  generateUnionPayCertificates,
  generateWechatPayKeys,
  type UnionPayCertificates,
  type WechatPayKeys,
} from '@shop/provider-simulators';

/** Merchant ids the fixtures use: our side and the simulators agree on them. */
export const FIXTURE_IDS = {
  wechatAppId: 'wx8888888888888888',
  wechatMchId: '1900000888',
  wechatApiV3Key: 'Fx1X2c3V4b5N6m7A8s9D0f1G2h3J4k5L',
  unionPayMerId: '777290058188888',
} as const;

/** WeChat Pay, UnionPay and Stripe simulators with fresh keys, and the variables that point the services at them. */
export interface ProviderFixtures {
  readonly wechat: WechatPaySimulator;
  readonly unionpay: UnionPaySimulator;
  readonly stripe: StripeSimulator;
  readonly wechatKeys: WechatPayKeys;
  readonly unionPayCerts: UnionPayCertificates;
  /** Every WECHATPAY_*, UNIONPAY_* and STRIPE_* variable both payment-gateway and notification-ingest read. */
  readonly env: Record<string, string>;
  /** Points the Stripe simulator's webhooks at the running notification-ingest. */
  useWebhookUrl(url: string): void;
  stop(): Promise<void>;
}

/**
 * Starts the three simulators in this process, each with keys of its own, as a provider would hold them. The
 * UnionPay simulator gets the CA keys too, so tests can ask for leaves with the wrong CN or a foreign chain.
 */
export async function startProviderFixtures(): Promise<ProviderFixtures> {
  const [wechatKeys, unionPayCerts] = await Promise.all([generateWechatPayKeys(), generateUnionPayCertificates()]);
  const stripeSecrets = generateStripeSecrets();
  const wechat = new WechatPaySimulator({
    appId: FIXTURE_IDS.wechatAppId,
    mchId: FIXTURE_IDS.wechatMchId,
    apiV3Key: FIXTURE_IDS.wechatApiV3Key,
    merchantPublicKey: wechatKeys.merchant.publicKeyPem,
    merchantCertSerial: wechatKeys.merchant.certSerial,
    platformPrivateKey: wechatKeys.platform.privateKeyPem,
    platformSerial: wechatKeys.platform.publicKeyId,
  });
  const unionpay = new UnionPaySimulator({
    merId: FIXTURE_IDS.unionPayMerId,
    merchantCert: unionPayCerts.merchant.certPem,
    signCert: unionPayCerts.sign.certPem,
    signKey: unionPayCerts.sign.privateKey,
    middle: unionPayCerts.middle,
    root: unionPayCerts.root,
  });
  const stripe = new StripeSimulator({ ...stripeSecrets });
  await Promise.all([wechat.start(), unionpay.start(), stripe.start()]);
  const env: Record<string, string> = {
    WECHATPAY_APP_ID: FIXTURE_IDS.wechatAppId,
    WECHATPAY_MCH_ID: FIXTURE_IDS.wechatMchId,
    WECHATPAY_API_V3_KEY: FIXTURE_IDS.wechatApiV3Key,
    WECHATPAY_PRIVATE_KEY: wechatKeys.merchant.privateKeyPem,
    WECHATPAY_CERT_SERIAL: wechatKeys.merchant.certSerial,
    WECHATPAY_PUBLIC_KEY: wechatKeys.platform.publicKeyPem,
    WECHATPAY_PUBLIC_KEY_ID: wechatKeys.platform.publicKeyId,
    WECHATPAY_BASE_URL: wechat.baseUrl,
    UNIONPAY_MER_ID: FIXTURE_IDS.unionPayMerId,
    UNIONPAY_SIGN_PRIVATE_KEY: unionPayCerts.merchant.privateKeyPem,
    UNIONPAY_SIGN_CERT_ID: unionPayCerts.merchant.certId,
    UNIONPAY_ROOT_CERT: unionPayCerts.root.certPem,
    UNIONPAY_MIDDLE_CERT: unionPayCerts.middle.certPem,
    UNIONPAY_GATEWAY_URL: unionpay.baseUrl,
    STRIPE_SECRET_KEY: stripeSecrets.secretKey,
    STRIPE_WEBHOOK_SECRET: stripeSecrets.webhookSecret,
    STRIPE_API_BASE_URL: stripe.baseUrl,
  };
  return {
    wechat,
    unionpay,
    stripe,
    wechatKeys,
    unionPayCerts,
    env,
    useWebhookUrl: (url) => {
      stripe.webhookUrl = url;
    },
    stop: async () => {
      await Promise.all([wechat.stop(), unionpay.stop(), stripe.stop()]);
    },
  };
}
