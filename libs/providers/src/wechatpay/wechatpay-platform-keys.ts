import { X509Certificate } from 'node:crypto';
import { splitPemCertificates } from '../config/pem-text';
import type { WechatPayPlatformKeys } from './wechatpay.config';

/**
 * The config variables (same names in every service, already validated) that hold WeChat Pay's verifying keys.
 */
export interface WechatPayVerifyingKeys {
  /** The WeChat Pay public key (PEM or raw base64), or '' when only certificates are used. */
  readonly WECHATPAY_PUBLIC_KEY: string;
  /** Its id, PUB_KEY_ID_..., the Wechatpay-Serial WeChat Pay signs under with it. */
  readonly WECHATPAY_PUBLIC_KEY_ID: string;
  /** Zero or more concatenated PEM platform certificates. */
  readonly WECHATPAY_PLATFORM_CERTS: string;
}

/** A platform certificate's serial as WeChat Pay sends it in Wechatpay-Serial: upper-case hex. */
export function platformCertificateSerial(pem: string): string {
  return new X509Certificate(pem).serialNumber.toUpperCase();
}

/**
 * The Wechatpay-Serial -> key map: the WeChat Pay public key under its PUB_KEY_ID_..., and every platform
 * certificate under the serial read from the certificate itself (so a certificate can never be filed under
 * another serial). Both kinds at once is the migration from certificates to the public key.
 */
export function wechatpayPlatformKeys(keys: WechatPayVerifyingKeys): WechatPayPlatformKeys {
  const map: Record<string, string> = {};
  if (keys.WECHATPAY_PUBLIC_KEY !== '') map[keys.WECHATPAY_PUBLIC_KEY_ID] = keys.WECHATPAY_PUBLIC_KEY;
  for (const pem of splitPemCertificates(keys.WECHATPAY_PLATFORM_CERTS).certificates) {
    map[platformCertificateSerial(pem)] = pem;
  }
  return map;
}
