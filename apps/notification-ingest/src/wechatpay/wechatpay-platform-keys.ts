import { X509Certificate } from 'node:crypto';
import type { WechatPayPlatformKeys } from '@shop/providers';
import { splitPemCertificates } from '../config/pem-text';

/** The config variables that hold WeChat Pay's verifying keys (already validated). */
export interface WechatpayKeyConfig {
  readonly WECHATPAY_PUBLIC_KEY: string;
  readonly WECHATPAY_PUBLIC_KEY_ID: string;
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
export function wechatpayPlatformKeys(config: WechatpayKeyConfig): WechatPayPlatformKeys {
  const keys: Record<string, string> = {};
  if (config.WECHATPAY_PUBLIC_KEY !== '') keys[config.WECHATPAY_PUBLIC_KEY_ID] = config.WECHATPAY_PUBLIC_KEY;
  for (const pem of splitPemCertificates(config.WECHATPAY_PLATFORM_CERTS).certificates) {
    keys[platformCertificateSerial(pem)] = pem;
  }
  return keys;
}
