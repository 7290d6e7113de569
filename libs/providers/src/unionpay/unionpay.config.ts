import type { KeyObject } from 'node:crypto';

/** UnionPay's trust anchors: every signPubKeyCert (notifications and answers alike) must chain to them. */
export interface UnionPayTrustConfig {
  /** UnionPay's root certificate (PEM): the trust anchor for signPubKeyCert. */
  readonly rootCert: string;
  /** UnionPay's middle (intermediate) certificate (PEM), issued by the root; it issues UnionPay's signing leaf. */
  readonly middleCert: string;
  /**
   * The third '@' field of the signing leaf's subject CN. Production: 中国银联股份有限公司 (the default); UnionPay's
   * test environment signs with "00040000:SIGN".
   */
  readonly expectedCnName?: string;
}

/** What UnionPayClient needs from the merchant's UnionPay online-gateway (ACP 5.1.0, signMethod 01) access. */
export interface UnionPayClientConfig extends UnionPayTrustConfig {
  /** The 15-character merchant id (merId) UnionPay assigned. */
  readonly merId: string;
  /**
   * The private key of our signing certificate: PEM or raw base64 DER, PKCS#1 or PKCS#8. Banks hand out a PKCS#12
   * .pfx; convert it once (`openssl pkcs12 -in acp.pfx -nocerts -nodes`, and `-clcerts -nokeys` for the
   * certificate whose serial is `signCertId`). The .pfx itself is not read here.
   */
  readonly signPrivateKey: string | KeyObject;
  /** The decimal serial number of our signing certificate (sent as certId). */
  readonly signCertId: string;
  /** The gateway base, e.g. https://gateway.95516.com/gateway/api; frontTransReq.do, queryTrans.do sit under it. */
  readonly gatewayUrl: string;
  /** Where the buyer's browser returns after paying (frontUrl); omitted: UnionPay's own result page. */
  readonly frontUrl?: string;
  /** channelType: 07 PC (default), 08 mobile. */
  readonly channelType?: '07' | '08';
  /** The clock for txnTime, payTimeout and certificate validity; injected so tests are deterministic. */
  readonly now?: () => Date;
  /** Gateway call timeout in milliseconds (default 10 000). */
  readonly timeoutMs?: number;
}

/**
 * What UnionPayNotificationVerifier needs: our merId and UnionPay's trust anchors. No signing key and no gateway:
 * it never calls UnionPay.
 */
export interface UnionPayVerifierConfig extends UnionPayTrustConfig {
  /** The 15-character merchant id (merId), checked in back notifications. */
  readonly merId: string;
  /** The clock for certificate validity; injected so tests are deterministic. */
  readonly now?: () => Date;
}
