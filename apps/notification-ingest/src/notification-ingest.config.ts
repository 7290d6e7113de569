import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ProviderNotificationEnv } from '@shop/providers';
import { ServiceConfig } from '@shop/runtime';
import { IsIpRangeList } from './callbacks/ip-ranges.validator';

/**
 * Configuration of the notification-ingest, read from environment variables and validated at start.
 *
 * A provider's callback endpoint is enabled by its id variable (ALIPAY_APP_ID, WECHATPAY_APP_ID, UNIONPAY_MER_ID,
 * STRIPE_WEBHOOK_SECRET); its other variables are then required and its keys must parse. Only what VERIFIES is
 * needed here (the providers' public keys and certificates, WeChat Pay's APIv3 key, Stripe's webhook secret):
 * the internet-facing service never holds a signing key or an API key. PEM values may use literal "\n". The
 * provider variables are declared once, in @shop/providers, with the rules payment-gateway applies to the same names.
 */
export class NotificationIngestConfig extends ProviderNotificationEnv(ServiceConfig) {
  override PORT = 3001;
  override DB_NAME = 'shop_notification_ingest';

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
