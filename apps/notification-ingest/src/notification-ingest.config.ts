import { Type } from 'class-transformer';
import { IsInt, Matches, Max, Min, ValidateIf } from 'class-validator';
import { IsPemCertificates, IsRsaKey, PemText } from '@shop/providers';
import { ServiceConfig } from '@shop/runtime';
import { IsIpRangeList } from './callbacks/ip-ranges.validator';
import { IsUnionPayTrustChain } from './unionpay/unionpay-trust.validator';

const alipayEnabled = (config: NotificationIngestConfig): boolean => config.ALIPAY_APP_ID !== '';
const wechatEnabled = (config: NotificationIngestConfig): boolean => config.WECHATPAY_APP_ID !== '';
const unionPayEnabled = (config: NotificationIngestConfig): boolean => config.UNIONPAY_MER_ID !== '';

/**
 * Configuration of the notification-ingest, read from environment variables and validated at start.
 *
 * A provider's callback endpoint is enabled by its id variable (ALIPAY_APP_ID, WECHATPAY_APP_ID, UNIONPAY_MER_ID,
 * STRIPE_WEBHOOK_SECRET); its other variables are then required and its keys must parse. Only what VERIFIES is
 * needed here (the providers' public keys and certificates, WeChat Pay's APIv3 key, Stripe's webhook secret):
 * the internet-facing service never holds a signing key or an API key. PEM values may use literal "\n".
 */
export class NotificationIngestConfig extends ServiceConfig {
  override PORT = 3001;
  override DB_NAME = 'shop_notification_ingest';

  /** Alipay open-platform application id (digits); setting it enables POST /callbacks/alipay. */
  @ValidateIf(alipayEnabled)
  @Matches(/^\d{1,32}$/, { message: 'ALIPAY_APP_ID must be the digits of an Alipay application id' })
  ALIPAY_APP_ID = '';

  /** Our Alipay merchant user id ("2088" and 12 digits), checked against seller_id in notifications. */
  @ValidateIf(alipayEnabled)
  @Matches(/^2088\d{12}$/, {
    message: 'ALIPAY_SELLER_ID is required when ALIPAY_APP_ID is set: an Alipay user id, 2088 followed by 12 digits',
  })
  ALIPAY_SELLER_ID = '';

  /** Alipay's public key (not the application's), PEM or raw base64 SPKI: verifies notification signatures. */
  @ValidateIf(alipayEnabled)
  @IsRsaKey('public', "is required when ALIPAY_APP_ID is set: Alipay's RSA public key, PEM or raw base64")
  ALIPAY_PUBLIC_KEY = '';

  /** The appid bound to our WeChat Pay merchant, checked in notifications; setting it enables /callbacks/wechatpay. */
  @ValidateIf(wechatEnabled)
  @Matches(/^[A-Za-z0-9_]{1,32}$/, {
    message: 'WECHATPAY_APP_ID must be the appid bound to the WeChat Pay merchant (letters and digits, e.g. wx...)',
  })
  WECHATPAY_APP_ID = '';

  /** Our WeChat Pay merchant id (mchid, digits), checked in notifications. */
  @ValidateIf(wechatEnabled)
  @Matches(/^\d{8,12}$/, {
    message: 'WECHATPAY_MCH_ID is required when WECHATPAY_APP_ID is set: the digits of the WeChat Pay merchant id',
  })
  WECHATPAY_MCH_ID = '';

  /** The APIv3 key (32 ASCII characters): decrypts the notification resource (AES-256-GCM). */
  @ValidateIf(wechatEnabled)
  @Matches(/^[\x21-\x7e]{32}$/, {
    message: 'WECHATPAY_API_V3_KEY is required when WECHATPAY_APP_ID is set: exactly 32 ASCII characters',
  })
  WECHATPAY_API_V3_KEY = '';

  /**
   * The WeChat Pay public key (PEM or raw base64 SPKI), verifying notifications whose Wechatpay-Serial is
   * WECHATPAY_PUBLIC_KEY_ID. Required unless WECHATPAY_PLATFORM_CERTS is set; both at once during a migration.
   */
  @ValidateIf(
    (config: NotificationIngestConfig) =>
      wechatEnabled(config) &&
      (config.WECHATPAY_PLATFORM_CERTS === '' ||
        config.WECHATPAY_PUBLIC_KEY !== '' ||
        config.WECHATPAY_PUBLIC_KEY_ID !== ''),
  )
  @PemText()
  @IsRsaKey(
    'public',
    'is required when WECHATPAY_APP_ID is set, unless WECHATPAY_PLATFORM_CERTS is: the WeChat Pay public key (with WECHATPAY_PUBLIC_KEY_ID)',
  )
  WECHATPAY_PUBLIC_KEY = '';

  /** The id of WECHATPAY_PUBLIC_KEY as the merchant console shows it (PUB_KEY_ID_...): its Wechatpay-Serial. */
  @ValidateIf(
    (config: NotificationIngestConfig) =>
      wechatEnabled(config) && (config.WECHATPAY_PUBLIC_KEY !== '' || config.WECHATPAY_PUBLIC_KEY_ID !== ''),
  )
  @Matches(/^PUB_KEY_ID_[0-9A-Za-z_]+$/, {
    message: 'WECHATPAY_PUBLIC_KEY_ID is required with WECHATPAY_PUBLIC_KEY: the id of that key, PUB_KEY_ID_...',
  })
  WECHATPAY_PUBLIC_KEY_ID = '';

  /**
   * WeChat Pay platform certificates (one or more concatenated PEM certificates) for merchants still verified by
   * certificate; each verifies the notifications whose Wechatpay-Serial is its serial (read from the certificate).
   */
  @ValidateIf((config: NotificationIngestConfig) => wechatEnabled(config) && config.WECHATPAY_PLATFORM_CERTS !== '')
  @PemText()
  @IsPemCertificates({ single: false, required: 'is empty', rsaSigningKeys: true })
  WECHATPAY_PLATFORM_CERTS = '';

  /** Our UnionPay merchant id (merId, 15 characters), checked in notifications; enables /callbacks/unionpay. */
  @ValidateIf(unionPayEnabled)
  @Matches(/^[0-9A-Za-z]{15}$/, { message: 'UNIONPAY_MER_ID must be the 15-character UnionPay merchant id (merId)' })
  UNIONPAY_MER_ID = '';

  /** UnionPay's root certificate (PEM): the trust anchor every notification's signPubKeyCert must chain to. */
  @ValidateIf(unionPayEnabled)
  @PemText()
  @IsPemCertificates({
    single: true,
    required: "is required when UNIONPAY_MER_ID is set: UnionPay's root certificate (PEM)",
  })
  UNIONPAY_ROOT_CERT = '';

  /** UnionPay's middle certificate (PEM), issued by the root; it issues UnionPay's signing certificates. */
  @ValidateIf(unionPayEnabled)
  @PemText()
  @IsPemCertificates({
    single: true,
    required: "is required when UNIONPAY_MER_ID is set: UnionPay's middle certificate (PEM)",
  })
  @IsUnionPayTrustChain()
  UNIONPAY_MIDDLE_CERT = '';

  /**
   * The signing secret of our Stripe webhook endpoint (whsec_...); setting it enables /callbacks/stripe. The whole
   * string, prefix included, is the HMAC key.
   */
  @ValidateIf((config: NotificationIngestConfig) => config.STRIPE_WEBHOOK_SECRET !== '')
  @Matches(/^whsec_\S+$/, {
    message: 'STRIPE_WEBHOOK_SECRET must be the webhook endpoint signing secret, whsec_... without whitespace',
  })
  STRIPE_WEBHOOK_SECRET = '';

  /**
   * Proxies (CIDRs) whose X-Forwarded-For is believed, e.g. the ingress controller's pod range. Any other
   * X-Forwarded-For is ignored: the peer address is the caller.
   */
  @IsIpRangeList()
  TRUSTED_PROXIES = '';

  /** Where Alipay calls from (CIDRs). Empty allows every source, with a warning at start. */
  @IsIpRangeList()
  ALIPAY_CALLBACK_ALLOWED_IPS = '';

  @IsIpRangeList()
  WECHATPAY_CALLBACK_ALLOWED_IPS = '';

  @IsIpRangeList()
  UNIONPAY_CALLBACK_ALLOWED_IPS = '';

  @IsIpRangeList()
  STRIPE_CALLBACK_ALLOWED_IPS = '';

  /** Refused callbacks a source may send per minute before it gets 429 for the rest of the minute. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100000)
  CALLBACK_REJECTIONS_PER_MINUTE = 30;

  /**
   * How long a payment may stay an orphan before it is reported as an ORPHAN_PAYMENT anomaly: a callback that
   * overtook its OrderCreated is adopted within seconds and must not be reported (see OrphanSweep).
   */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(604800)
  ORPHAN_GRACE_SECONDS = 120;

  /** How often each replica looks for orphans past the grace period. */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(3600)
  ORPHAN_SWEEP_INTERVAL_SECONDS = 30;
}
