import { type KeyObject, X509Certificate } from 'node:crypto';
import { HttpStatus } from '@nestjs/common';
import { splitPemCertificates } from '../config/pem-text';
import { parsePublicKey } from '../keys';
import { ProviderError } from '../provider-error';
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

/**
 * Parses the Wechatpay-Serial -> key map once, at start, for the client (answers) and the notification verifier
 * alike. A certificate PEM must carry the serial it is filed under (case insensitive; WeChat Pay writes upper-case
 * hex), so a mislabelled certificate fails at boot.
 */
export function loadWechatpayPlatformKeys(
  platformKeys: WechatPayPlatformKeys | undefined,
): ReadonlyMap<string, KeyObject> {
  const entries = Object.entries(platformKeys ?? {});
  if (entries.length === 0) {
    throw new ProviderError(
      'PROVIDER_CONFIG_INVALID',
      'WeChat Pay platformKeys needs at least one public key id or platform certificate serial',
      HttpStatus.INTERNAL_SERVER_ERROR,
    );
  }
  const keys = new Map<string, KeyObject>();
  for (const [serial, value] of entries) {
    const label = `WeChat Pay key ${serial}`;
    if (typeof value === 'string' && value.replace(/\\n/g, '\n').includes('-----BEGIN CERTIFICATE-----')) {
      let certificate: X509Certificate;
      try {
        certificate = new X509Certificate(value.replace(/\\n/g, '\n'));
      } catch {
        throw new ProviderError(
          'PROVIDER_KEY_INVALID',
          `${label} is not a parseable X.509 certificate`,
          HttpStatus.INTERNAL_SERVER_ERROR,
        );
      }
      if (certificate.serialNumber.toUpperCase() !== serial.toUpperCase()) {
        throw new ProviderError(
          'PROVIDER_KEY_INVALID',
          `${label}: the certificate's serial number differs from the serial it is configured under`,
          HttpStatus.INTERNAL_SERVER_ERROR,
        );
      }
      const key = parsePublicKey(certificate.publicKey, label);
      keys.set(serial, key);
      keys.set(serial.toUpperCase(), key);
    } else {
      keys.set(serial, parsePublicKey(value, label));
    }
  }
  return keys;
}
