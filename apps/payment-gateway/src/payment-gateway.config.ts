import { Type } from 'class-transformer';
import { IsInt, Matches, Max, Min, registerDecorator, type ValidationOptions } from 'class-validator';
import { ProviderClientEnv } from '@shop/providers';
import { ServiceConfig } from '@shop/runtime';

/** In production the URL must be https: payment results must not travel in the clear. */
function HttpsInProduction(options: ValidationOptions): PropertyDecorator {
  return (target, propertyKey) =>
    registerDecorator({
      name: 'httpsInProduction',
      target: target.constructor,
      propertyName: String(propertyKey),
      options,
      validator: {
        validate: (value: unknown, args): boolean =>
          (args?.object as ServiceConfig).NODE_ENV !== 'production' || String(value).startsWith('https://'),
      },
    });
}

/**
 * Configuration of the payment-gateway, read from environment variables and validated at start.
 *
 * The provider variables (ALIPAY_*, WECHATPAY_*, UNIONPAY_*, STRIPE_*) are declared once, in @shop/providers, with
 * the rules notification-ingest applies to the same names: a provider is enabled by its id variable (ALIPAY_APP_ID);
 * its other variables are then required, and its keys must parse. Key values are never echoed: their names match
 * the secret pattern of loadConfig.
 */
export class PaymentGatewayConfig extends ProviderClientEnv(ServiceConfig) {
  override PORT = 3003;
  override DB_NAME = 'shop_payment_gateway';

  /**
   * Public base URL the providers call back (routed to notification-ingest); every notify_url is built from it,
   * e.g. CALLBACK_BASE_URL + "/callbacks/alipay". No trailing slash, so the joined URL has no "//".
   */
  @Matches(/^https?:\/\/[^\s/?#]+(\/[^\s?#]*[^\s?#/])?$/, {
    message: 'CALLBACK_BASE_URL must be an http(s) URL without query or trailing slash, e.g. https://pay.example.com',
  })
  @HttpsInProduction({
    message: 'CALLBACK_BASE_URL must be https when NODE_ENV=production (providers post payment results to it)',
  })
  CALLBACK_BASE_URL = '';

  /** A payment attempt still pending this long after it was opened counts in payments_pending_stuck (alert). */
  @Type(() => Number)
  @IsInt()
  @Min(60000)
  @Max(7 * 24 * 3600 * 1000)
  PAYMENT_STUCK_AFTER_MS = 1800000;

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

  /** Variables whose empty value is a value, not "unset" (see loadConfig). */
  static readonly keepEmpty = ['ANOMALY_AUTO_REFUND'];

  /**
   * Anomaly types refunded automatically and in full through the provider that took the money (comma-separated;
   * set but empty: none). The rest wait for an admin to refund or dismiss them.
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
