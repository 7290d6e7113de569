import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsUrl, Matches, Max, Min, ValidateIf } from 'class-validator';
import { IsPemCertificates, IsRsaKey, PemText } from '@shop/providers';
import { ServiceConfig } from '@shop/runtime';

const GATEWAY_URL = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };
const alipayEnabled = (config: PaymentGatewayConfig): boolean => config.ALIPAY_APP_ID !== '';
const requiredWithAlipay = (name: string) => ({ message: `${name} is required when ALIPAY_APP_ID is set` });
const wechatEnabled = (config: PaymentGatewayConfig): boolean => config.WECHATPAY_APP_ID !== '';
const requiredWithWechat = (name: string) => ({ message: `${name} is required when WECHATPAY_APP_ID is set` });
const unionPayEnabled = (config: PaymentGatewayConfig): boolean => config.UNIONPAY_MER_ID !== '';
const requiredWithUnionPay = (name: string) => ({ message: `${name} is required when UNIONPAY_MER_ID is set` });
const stripeEnabled = (config: PaymentGatewayConfig): boolean => config.STRIPE_SECRET_KEY !== '';

/**
 * Configuration of the payment-gateway, read from environment variables and validated at start.
 *
 * A provider is enabled by its id variable (ALIPAY_APP_ID); its other variables are then required, and its keys
 * must parse. Key values are never echoed: their names match the secret pattern of loadConfig.
 */
export class PaymentGatewayConfig extends ServiceConfig {
  override PORT = 3003;
  override DB_NAME = 'shop_payment_gateway';

  /**
   * Public base URL the providers call back (routed to notification-ingest); every notify_url is built from it,
   * e.g. CALLBACK_BASE_URL + "/callbacks/alipay". No trailing slash, so the joined URL has no "//".
   */
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*[^\s?#/])?$/, {
    message: 'CALLBACK_BASE_URL must be an http(s) URL without query or trailing slash, e.g. https://pay.example.com',
  })
  CALLBACK_BASE_URL = '';

  /** Alipay open-platform application id; setting it enables Alipay. */
  ALIPAY_APP_ID = '';

  /** Our Alipay merchant user id (2088...), checked against seller_id in notifications. */
  @ValidateIf(alipayEnabled)
  @IsNotEmpty(requiredWithAlipay('ALIPAY_SELLER_ID'))
  ALIPAY_SELLER_ID = '';

  /** The application private key: PEM or raw base64, PKCS#1 or PKCS#8. */
  @ValidateIf(alipayEnabled)
  @IsNotEmpty(requiredWithAlipay('ALIPAY_PRIVATE_KEY'))
  @IsRsaKey('private')
  ALIPAY_PRIVATE_KEY = '';

  /** Alipay's public key (not the application's): PEM or raw base64 SPKI. */
  @ValidateIf(alipayEnabled)
  @IsNotEmpty(requiredWithAlipay('ALIPAY_PUBLIC_KEY'))
  @IsRsaKey('public')
  ALIPAY_PUBLIC_KEY = '';

  /** The OpenAPI gateway, e.g. https://openapi.alipay.com/gateway.do (or a simulator's). */
  @ValidateIf(alipayEnabled)
  @IsUrl(GATEWAY_URL, {
    message: 'ALIPAY_GATEWAY_URL must be an http(s) URL; it is required when ALIPAY_APP_ID is set',
  })
  ALIPAY_GATEWAY_URL = '';

  /** How long to wait for an Alipay answer before answering PROVIDER_ERROR (the attempt then stays PENDING). */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60000)
  ALIPAY_TIMEOUT_MS = 10000;

  /** WeChat Pay: the appid bound to the merchant; setting it enables WeChat Pay (Native QR payments). */
  WECHATPAY_APP_ID = '';

  /** WeChat Pay merchant id (商户号), sent as mchid and checked in answers. */
  @ValidateIf(wechatEnabled)
  @Matches(/^\d{8,12}$/, {
    message: 'WECHATPAY_MCH_ID is required when WECHATPAY_APP_ID is set: the digits of a merchant id',
  })
  WECHATPAY_MCH_ID = '';

  /** The APIv3 key: exactly 32 ASCII characters (decrypts resources in answers and notifications). */
  @ValidateIf(wechatEnabled)
  @Matches(/^[\x21-\x7e]{32}$/, {
    message: 'WECHATPAY_API_V3_KEY is required when WECHATPAY_APP_ID is set: exactly 32 ASCII characters',
  })
  WECHATPAY_API_V3_KEY = '';

  /** The merchant API private key (apiclient_key.pem): PEM or raw base64, PKCS#8 or PKCS#1. Signs requests. */
  @ValidateIf(wechatEnabled)
  @IsNotEmpty(requiredWithWechat('WECHATPAY_PRIVATE_KEY'))
  @PemText()
  @IsRsaKey('private')
  WECHATPAY_PRIVATE_KEY = '';

  /** The serial number (hex) of the merchant API certificate, sent as serial_no in the Authorization header. */
  @ValidateIf(wechatEnabled)
  @Matches(/^[0-9A-Fa-f]{8,64}$/, {
    message:
      'WECHATPAY_CERT_SERIAL is required when WECHATPAY_APP_ID is set: the hex serial of the merchant API certificate',
  })
  WECHATPAY_CERT_SERIAL = '';

  /** The WeChat Pay public key (PEM or raw base64 SPKI); verifies answers signed under WECHATPAY_PUBLIC_KEY_ID. */
  // Checked when set, and required when there are no platform certificates to verify with instead.
  @ValidateIf(
    (config: PaymentGatewayConfig) =>
      wechatEnabled(config) && (config.WECHATPAY_PLATFORM_CERTS === '' || config.WECHATPAY_PUBLIC_KEY !== ''),
  )
  @IsNotEmpty({
    message:
      'WECHATPAY_PUBLIC_KEY (with WECHATPAY_PUBLIC_KEY_ID) or WECHATPAY_PLATFORM_CERTS is required when WECHATPAY_APP_ID is set',
  })
  @PemText()
  @IsRsaKey('public')
  WECHATPAY_PUBLIC_KEY = '';

  /** The id of that public key ("PUB_KEY_ID_..."), the Wechatpay-Serial WeChat Pay sends with it. */
  @ValidateIf((config: PaymentGatewayConfig) => wechatEnabled(config) && config.WECHATPAY_PUBLIC_KEY !== '')
  @Matches(/^PUB_KEY_ID_[0-9A-Za-z_]+$/, {
    message: 'WECHATPAY_PUBLIC_KEY_ID must be the id of WECHATPAY_PUBLIC_KEY, PUB_KEY_ID_...',
  })
  WECHATPAY_PUBLIC_KEY_ID = '';

  /**
   * Optional WeChat Pay platform certificates (one or more concatenated PEM certificates), for merchants still
   * verified by certificate; each is chosen by its serial. Both this and the public key may be set at once.
   */
  @ValidateIf((config: PaymentGatewayConfig) => wechatEnabled(config) && config.WECHATPAY_PLATFORM_CERTS !== '')
  @PemText()
  @IsPemCertificates({ single: false, required: 'is empty', rsaSigningKeys: true })
  WECHATPAY_PLATFORM_CERTS = '';

  /** The API origin, https://api.mch.weixin.qq.com (or a simulator's base URL). */
  @ValidateIf(wechatEnabled)
  @IsUrl(GATEWAY_URL, {
    message: 'WECHATPAY_BASE_URL must be an http(s) URL; it is required when WECHATPAY_APP_ID is set',
  })
  WECHATPAY_BASE_URL = '';

  /** UnionPay merchant id (merId, 15 characters); setting it enables UnionPay (web payment forms). */
  @ValidateIf(unionPayEnabled)
  @Matches(/^[0-9A-Za-z]{15}$/, { message: 'UNIONPAY_MER_ID must be the 15-character UnionPay merchant id' })
  UNIONPAY_MER_ID = '';

  /** The private key of our UnionPay signing certificate: PEM or raw base64, PKCS#8 or PKCS#1 (from the .pfx). */
  @ValidateIf(unionPayEnabled)
  @IsNotEmpty(requiredWithUnionPay('UNIONPAY_SIGN_PRIVATE_KEY'))
  @PemText()
  @IsRsaKey('private')
  UNIONPAY_SIGN_PRIVATE_KEY = '';

  /** The decimal serial number of our signing certificate, sent as certId. */
  @ValidateIf(unionPayEnabled)
  @Matches(/^\d{1,64}$/, {
    message:
      'UNIONPAY_SIGN_CERT_ID is required when UNIONPAY_MER_ID is set: the decimal serial of the signing certificate',
  })
  UNIONPAY_SIGN_CERT_ID = '';

  /** UnionPay's root certificate (PEM): the trust anchor of the certificates that sign its answers. */
  @ValidateIf(unionPayEnabled)
  @PemText()
  @IsPemCertificates({
    single: true,
    required: "is required when UNIONPAY_MER_ID is set: UnionPay's root certificate (PEM)",
  })
  UNIONPAY_ROOT_CERT = '';

  /** UnionPay's middle certificate (PEM), issued by the root. */
  @ValidateIf(unionPayEnabled)
  @PemText()
  @IsPemCertificates({
    single: true,
    required: "is required when UNIONPAY_MER_ID is set: UnionPay's middle certificate (PEM)",
  })
  UNIONPAY_MIDDLE_CERT = '';

  /** The gateway base (https://gateway.95516.com/gateway/api): frontTransReq.do, queryTrans.do live under it. */
  @ValidateIf(unionPayEnabled)
  @IsUrl(GATEWAY_URL, {
    message: 'UNIONPAY_GATEWAY_URL must be an http(s) URL; it is required when UNIONPAY_MER_ID is set',
  })
  UNIONPAY_GATEWAY_URL = '';

  /** Stripe secret API key (sk_test_/sk_live_, or a restricted rk_ key); setting it enables Stripe Checkout. */
  @ValidateIf(stripeEnabled)
  @Matches(/^(sk|rk)_(test|live)_[A-Za-z0-9_]+$/, {
    message: 'STRIPE_SECRET_KEY must be a Stripe secret or restricted key (sk_test_, sk_live_, rk_test_, rk_live_)',
  })
  STRIPE_SECRET_KEY = '';

  /** Where the Stripe API lives: https://api.stripe.com (the default) or a simulator's origin. */
  @ValidateIf(stripeEnabled)
  @IsUrl(GATEWAY_URL, { message: 'STRIPE_API_BASE_URL must be an http(s) URL' })
  STRIPE_API_BASE_URL = 'https://api.stripe.com';

  /** How long to wait for an answer of WeChat Pay, UnionPay or Stripe before answering PROVIDER_ERROR. */
  @Type(() => Number)
  @IsInt()
  @Min(100)
  @Max(60000)
  PROVIDER_TIMEOUT_MS = 10000;

  /** A PENDING attempt this old is asked about at its provider (active query): its notification may be lost. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(7 * 24 * 3600)
  PAYMENT_QUERY_AFTER_SECONDS = 300;

  /** How often the active query sweep looks for attempts due for a query. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(3_600_000)
  QUERY_SWEEP_INTERVAL_MS = 5000;

  /** Wait before the second query of an attempt; doubled after each further query, capped at one hour. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  PAYMENT_QUERY_BACKOFF_SECONDS = 30;

  /** Queries per attempt before the sweep gives up on it (it stays PENDING; a late notification still counts). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  PAYMENT_QUERY_MAX_ATTEMPTS = 10;

  /**
   * Anomaly types refunded automatically and in full through the provider that took the money (comma-separated;
   * empty: none). The rest wait for an admin to refund or dismiss them.
   */
  @Matches(
    /^$|^(AMOUNT_MISMATCH|ORPHAN_PAYMENT|LATE_PAYMENT|DUPLICATE_PAYMENT)(,(AMOUNT_MISMATCH|ORPHAN_PAYMENT|LATE_PAYMENT|DUPLICATE_PAYMENT))*$/,
    {
      message:
        'ANOMALY_AUTO_REFUND must list anomaly types separated by commas (AMOUNT_MISMATCH, ORPHAN_PAYMENT, LATE_PAYMENT, DUPLICATE_PAYMENT), or be empty',
    },
  )
  ANOMALY_AUTO_REFUND = 'DUPLICATE_PAYMENT,LATE_PAYMENT';

  /** How often the refund sweep sends refunds not yet sent and asks about pending ones. */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(3_600_000)
  REFUND_SWEEP_INTERVAL_MS = 5000;
}
