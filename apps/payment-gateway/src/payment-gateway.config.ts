import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsUrl, Matches, Max, Min, ValidateIf } from 'class-validator';
import { ServiceConfig } from '@shop/runtime';
import { IsRsaKey } from './providers/rsa-key.validator';

const GATEWAY_URL = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };
const alipayEnabled = (config: PaymentGatewayConfig): boolean => config.ALIPAY_APP_ID !== '';
const requiredWithAlipay = (name: string) => ({ message: `${name} is required when ALIPAY_APP_ID is set` });

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
}
