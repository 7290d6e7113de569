import { IsNotEmpty, IsUrl, Matches, ValidateIf } from 'class-validator';
import { type ConfigClass, PROVIDER_URL } from './config-class';
import { IsPemCertificates } from './pem-certificates.validator';
import { PemText } from './pem-text';
import { IsRsaKey } from './rsa-key.validator';
import { IsUnionPayTrustChain } from './unionpay-trust-chain.validator';

const unionPayEnabled = (config: { UNIONPAY_MER_ID: string }): boolean => config.UNIONPAY_MER_ID !== '';

/**
 * The UNIONPAY_* variables every service with UnionPay reads: UNIONPAY_MER_ID enables it, and UnionPay's root and
 * middle certificates, the trust anchors of every signature it makes, are then required and must form its chain.
 * Enough for UnionPayNotificationVerifier. PEM values may use literal "\n".
 */
export function UnionPayEnv<TBase extends ConfigClass>(Base: TBase) {
  class UnionPayEnv extends Base {
    /** Our UnionPay merchant id (merId, 15 characters); setting it enables UnionPay. */
    @ValidateIf(unionPayEnabled)
    @Matches(/^[0-9A-Za-z]{15}$/, { message: 'UNIONPAY_MER_ID must be the 15-character UnionPay merchant id (merId)' })
    UNIONPAY_MER_ID = '';

    /** UnionPay's root certificate (PEM): the trust anchor every signPubKeyCert must chain to. */
    @ValidateIf(unionPayEnabled)
    @PemText()
    @IsPemCertificates({
      single: true,
      required: "is required when UNIONPAY_MER_ID is set: UnionPay's root certificate (PEM)",
    })
    UNIONPAY_ROOT_CERT = '';

    /** UnionPay's middle certificate (PEM), issued by the root; it issues UnionPay's signing certificates. */
    @ValidateIf(unionPayEnabled)
    @PemText()
    @IsPemCertificates({
      single: true,
      required: "is required when UNIONPAY_MER_ID is set: UnionPay's middle certificate (PEM)",
    })
    @IsUnionPayTrustChain()
    UNIONPAY_MIDDLE_CERT = '';
  }
  return UnionPayEnv;
}

/**
 * UnionPayEnv and what UnionPayClient needs besides: our signing key and its certificate's serial, and the
 * gateway. Only the payment-gateway reads these.
 */
export function UnionPayClientEnv<TBase extends ConfigClass>(Base: TBase) {
  class UnionPayClientEnv extends UnionPayEnv(Base) {
    /** The private key of our UnionPay signing certificate: PEM or raw base64, PKCS#8 or PKCS#1 (from the .pfx). */
    @ValidateIf(unionPayEnabled)
    @IsNotEmpty({ message: 'UNIONPAY_SIGN_PRIVATE_KEY is required when UNIONPAY_MER_ID is set' })
    @PemText()
    @IsRsaKey('private')
    UNIONPAY_SIGN_PRIVATE_KEY = '';

    /** The decimal serial number of our signing certificate, sent as certId. */
    @ValidateIf(unionPayEnabled)
    @Matches(/^\d{1,64}$/, {
      message:
        'UNIONPAY_SIGN_CERT_ID is required when UNIONPAY_MER_ID is set: the decimal serial of the signing certificate',
    })
    UNIONPAY_SIGN_CERT_ID = '';

    /** The gateway base (https://gateway.95516.com/gateway/api): frontTransReq.do, queryTrans.do live under it. */
    @ValidateIf(unionPayEnabled)
    @IsUrl(PROVIDER_URL, {
      message: 'UNIONPAY_GATEWAY_URL must be an http(s) URL; it is required when UNIONPAY_MER_ID is set',
    })
    UNIONPAY_GATEWAY_URL = '';
  }
  return UnionPayClientEnv;
}
