import type { KeyObject } from 'node:crypto';

/** What the Alipay adapter needs from the merchant's Alipay open-platform application. */
export interface AlipayConfig {
  /** The open-platform application id (app_id). */
  readonly appId: string;
  /** The merchant's Alipay user id (2088...), checked against seller_id in notifications. */
  readonly sellerId: string;
  /** The application private key: PEM or raw base64, PKCS#1 or PKCS#8. */
  readonly privateKey: string | KeyObject;
  /** Alipay's public key (not the application public key): PEM or raw base64 SPKI. */
  readonly alipayPublicKey: string | KeyObject;
  /** The OpenAPI gateway, e.g. https://openapi.alipay.com/gateway.do or a simulator's. */
  readonly gatewayUrl: string;
}
