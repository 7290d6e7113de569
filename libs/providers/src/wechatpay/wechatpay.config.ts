import type { KeyObject } from 'node:crypto';

/**
 * WeChat Pay's keys that verify its answers and notifications, by the value of the Wechatpay-Serial header:
 * a WeChat Pay public key id ("PUB_KEY_ID_...") mapped to that public key (PEM or raw base64 SPKI), and/or a
 * platform certificate serial (upper-case hex) mapped to the certificate PEM or its public key. Both kinds may be
 * present at once: WeChat Pay signs with either while a merchant migrates from certificates to the public key.
 */
export type WechatPayPlatformKeys = Readonly<Record<string, string | KeyObject>>;

/** What WechatPayClient (API v3) needs from the merchant's WeChat Pay account. */
export interface WechatPayClientConfig {
  /** The app id bound to the merchant (公众号/小程序/移动应用 appid), sent as `appid`. */
  readonly appId: string;
  /** The merchant id (商户号), sent as `mchid` and checked in answers. */
  readonly mchId: string;
  /** The merchant API private key (apiclient_key.pem): PEM or raw base64, PKCS#8 or PKCS#1. Signs requests. */
  readonly privateKey: string | KeyObject;
  /** The serial number of the merchant API certificate (apiclient_cert.pem), sent as serial_no. */
  readonly certSerial: string;
  /** Keys that verify WeChat Pay's signatures on answers, by Wechatpay-Serial. */
  readonly platformKeys: WechatPayPlatformKeys;
  /** The API origin, e.g. https://api.mch.weixin.qq.com, or a simulator's base URL. */
  readonly baseUrl: string;
}

/**
 * What WechatPayNotificationVerifier needs: our ids, the APIv3 key and WeChat Pay's verifying keys. No merchant
 * private key and no API origin: it never calls WeChat Pay.
 */
export interface WechatPayVerifierConfig {
  /** The app id bound to the merchant, checked against `appid` in notifications. */
  readonly appId: string;
  /** The merchant id (商户号), checked against `mchid` in notifications. */
  readonly mchId: string;
  /** The APIv3 key: exactly 32 ASCII characters; it decrypts notification resources (AES-256-GCM). */
  readonly apiV3Key: string;
  /** Keys that verify WeChat Pay's signatures on notifications, by Wechatpay-Serial. */
  readonly platformKeys: WechatPayPlatformKeys;
}
