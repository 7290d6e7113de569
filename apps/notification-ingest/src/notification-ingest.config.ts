import { Type } from 'class-transformer';
import { IsInt, Matches, Max, Min, ValidateIf } from 'class-validator';
import { ServiceConfig } from '@shop/runtime';
import { IsAlipayPublicKey } from './alipay/alipay-public-key.validator';
import { IsIpRangeList } from './callbacks/ip-ranges.validator';

const alipayEnabled = (config: NotificationIngestConfig): boolean => config.ALIPAY_APP_ID !== '';

/**
 * Configuration of the notification-ingest, read from environment variables and validated at start.
 *
 * A provider's callback endpoint is enabled by its id variable (ALIPAY_APP_ID); its other variables are then
 * required and its key must parse. Only Alipay's PUBLIC key is needed here: verifying needs no signing key, so
 * the internet-facing service never holds the application private key.
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
  @IsAlipayPublicKey()
  ALIPAY_PUBLIC_KEY = '';

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
