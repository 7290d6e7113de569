import type { KeyObject } from 'node:crypto';

/** What AlipayClient needs from the merchant's Alipay open-platform application. */
export interface AlipayClientConfig {
  /** The open-platform application id (app_id). */
  readonly appId: string;
  /** The application private key: PEM or raw base64, PKCS#1 or PKCS#8. Signs every request. */
  readonly privateKey: string | KeyObject;
  /** Alipay's public key (not the application public key): PEM or raw base64 SPKI. Verifies answers. */
  readonly alipayPublicKey: string | KeyObject;
  /** The OpenAPI gateway, e.g. https://openapi.alipay.com/gateway.do or a simulator's. */
  readonly gatewayUrl: string;
}

/** What AlipayNotificationVerifier needs: our ids and Alipay's public key, no application private key. */
export interface AlipayVerifierConfig {
  /** The open-platform application id, checked against app_id in notifications. */
  readonly appId: string;
  /** The merchant's Alipay user id (2088...), checked against seller_id in notifications. */
  readonly sellerId: string;
  /** Alipay's public key (not the application public key): PEM or raw base64 SPKI. */
  readonly alipayPublicKey: string | KeyObject;
}
