import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsUrl, Matches, Max, Min, ValidateIf } from 'class-validator';
import { type ConfigClass, PROVIDER_URL } from './config-class';
import { IsRsaKey } from './rsa-key.validator';

const alipayEnabled = (config: { ALIPAY_APP_ID: string }): boolean => config.ALIPAY_APP_ID !== '';

/**
 * The ALIPAY_* variables every service with Alipay reads: ALIPAY_APP_ID enables Alipay, and our ids and Alipay's
 * public key are then required. Enough for AlipayNotificationVerifier.
 */
export function AlipayEnv<TBase extends ConfigClass>(Base: TBase) {
  class AlipayEnv extends Base {
    /** Alipay open-platform application id (digits); setting it enables Alipay. */
    @ValidateIf(alipayEnabled)
    @Matches(/^\d{1,32}$/, { message: 'ALIPAY_APP_ID must be the digits of an Alipay application id' })
    ALIPAY_APP_ID = '';

    /** Our Alipay merchant user id ("2088" and 12 digits), checked against seller_id in notifications. */
    @ValidateIf(alipayEnabled)
    @Matches(/^2088\d{12}$/, {
      message: 'ALIPAY_SELLER_ID is required when ALIPAY_APP_ID is set: an Alipay user id, 2088 followed by 12 digits',
    })
    ALIPAY_SELLER_ID = '';

    /** Alipay's public key (not the application's), PEM or raw base64 SPKI: verifies notifications and answers. */
    @ValidateIf(alipayEnabled)
    @IsRsaKey('public', "is required when ALIPAY_APP_ID is set: Alipay's RSA public key, PEM or raw base64")
    ALIPAY_PUBLIC_KEY = '';
  }
  return AlipayEnv;
}

/**
 * AlipayEnv and what AlipayClient needs besides: the application private key that signs requests, the gateway and
 * its timeout. Only the payment-gateway reads these.
 */
export function AlipayClientEnv<TBase extends ConfigClass>(Base: TBase) {
  class AlipayClientEnv extends AlipayEnv(Base) {
    /** The application private key: PEM or raw base64, PKCS#1 or PKCS#8. */
    @ValidateIf(alipayEnabled)
    @IsNotEmpty({ message: 'ALIPAY_PRIVATE_KEY is required when ALIPAY_APP_ID is set' })
    @IsRsaKey('private')
    ALIPAY_PRIVATE_KEY = '';

    /** The OpenAPI gateway, e.g. https://openapi.alipay.com/gateway.do (or a simulator's). */
    @ValidateIf(alipayEnabled)
    @IsUrl(PROVIDER_URL, {
      message: 'ALIPAY_GATEWAY_URL must be an http(s) URL; it is required when ALIPAY_APP_ID is set',
    })
    ALIPAY_GATEWAY_URL = '';

    /** How long to wait for an Alipay answer before answering PROVIDER_ERROR (the attempt then stays PENDING). */
    @Type(() => Number)
    @IsInt()
    @Min(100)
    @Max(60000)
    ALIPAY_TIMEOUT_MS = 10000;
  }
  return AlipayClientEnv;
}
