import { IsNotEmpty, IsUrl, Matches, ValidateIf } from 'class-validator';
import { type ConfigClass, PROVIDER_URL } from './config-class';
import { IsPemCertificates } from './pem-certificates.validator';
import { PemText } from './pem-text';
import { IsRsaKey } from './rsa-key.validator';

interface WechatPayVariables {
  WECHATPAY_APP_ID: string;
  WECHATPAY_PUBLIC_KEY: string;
  WECHATPAY_PUBLIC_KEY_ID: string;
  WECHATPAY_PLATFORM_CERTS: string;
}

const wechatEnabled = (config: WechatPayVariables): boolean => config.WECHATPAY_APP_ID !== '';
const requiredWithWechat = (name: string) => ({ message: `${name} is required when WECHATPAY_APP_ID is set` });

/**
 * The WECHATPAY_* variables every service with WeChat Pay reads: WECHATPAY_APP_ID enables it; our ids, the APIv3
 * key and WeChat Pay's verifying keys (its public key with its id, platform certificates, or both during a
 * migration) are then required. Enough for WechatPayNotificationVerifier. PEM values may use literal "\n".
 */
export function WechatPayEnv<TBase extends ConfigClass>(Base: TBase) {
  class WechatPayEnv extends Base {
    /** The appid bound to our WeChat Pay merchant (wx...); setting it enables WeChat Pay. */
    @ValidateIf(wechatEnabled)
    @Matches(/^[A-Za-z0-9_]{1,32}$/, {
      message: 'WECHATPAY_APP_ID must be the appid bound to the WeChat Pay merchant (letters and digits, e.g. wx...)',
    })
    WECHATPAY_APP_ID = '';

    /** Our WeChat Pay merchant id (商户号, digits), sent as mchid and checked in answers and notifications. */
    @ValidateIf(wechatEnabled)
    @Matches(/^\d{8,12}$/, {
      message: 'WECHATPAY_MCH_ID is required when WECHATPAY_APP_ID is set: the digits of the WeChat Pay merchant id',
    })
    WECHATPAY_MCH_ID = '';

    /** The APIv3 key (32 ASCII characters): decrypts notification resources (AES-256-GCM). */
    @ValidateIf(wechatEnabled)
    @Matches(/^[\x21-\x7e]{32}$/, {
      message: 'WECHATPAY_API_V3_KEY is required when WECHATPAY_APP_ID is set: exactly 32 ASCII characters',
    })
    WECHATPAY_API_V3_KEY = '';

    /**
     * The WeChat Pay public key (PEM or raw base64 SPKI), verifying what WeChat Pay signs under
     * WECHATPAY_PUBLIC_KEY_ID. Required unless WECHATPAY_PLATFORM_CERTS is set; both at once during a migration.
     */
    @ValidateIf(
      (config: WechatPayVariables) =>
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
      (config: WechatPayVariables) =>
        wechatEnabled(config) && (config.WECHATPAY_PUBLIC_KEY !== '' || config.WECHATPAY_PUBLIC_KEY_ID !== ''),
    )
    @Matches(/^PUB_KEY_ID_[0-9A-Za-z_]+$/, {
      message: 'WECHATPAY_PUBLIC_KEY_ID is required with WECHATPAY_PUBLIC_KEY: the id of that key, PUB_KEY_ID_...',
    })
    WECHATPAY_PUBLIC_KEY_ID = '';

    /**
     * WeChat Pay platform certificates (one or more concatenated PEM certificates) for merchants still verified
     * by certificate; each verifies what is signed under its serial (read from the certificate).
     */
    @ValidateIf((config: WechatPayVariables) => wechatEnabled(config) && config.WECHATPAY_PLATFORM_CERTS !== '')
    @PemText()
    @IsPemCertificates({ single: false, required: 'is empty', rsaSigningKeys: true })
    WECHATPAY_PLATFORM_CERTS = '';
  }
  return WechatPayEnv;
}

/**
 * WechatPayEnv and what WechatPayClient needs besides: the merchant API private key and its certificate serial,
 * which sign requests, and the API origin. Only the payment-gateway reads these.
 */
export function WechatPayClientEnv<TBase extends ConfigClass>(Base: TBase) {
  class WechatPayClientEnv extends WechatPayEnv(Base) {
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

    /** The API origin, https://api.mch.weixin.qq.com (or a simulator's base URL). */
    @ValidateIf(wechatEnabled)
    @IsUrl(PROVIDER_URL, {
      message: 'WECHATPAY_BASE_URL must be an http(s) URL; it is required when WECHATPAY_APP_ID is set',
    })
    WECHATPAY_BASE_URL = '';
  }
  return WechatPayClientEnv;
}
