// Trust in UnionPay's signPubKeyCert: without these checks anyone could sign a notification with a certificate of
// their own making, since 5.1.0 sends the signing certificate inside the message it signs.
import { type KeyObject, X509Certificate } from 'node:crypto';

/** The production value of the third '@' field of the signing certificate's subject CN. */
export const UNIONPAY_CN_NAME = '中国银联股份有限公司';

/** Why a signPubKeyCert is not trusted: MALFORMED or a CERT_* value, all of them NotificationRejectReasons. */
export type UnionPayCertRejectReason = 'MALFORMED' | 'CERT_UNTRUSTED' | 'CERT_EXPIRED' | 'CERT_WRONG_CN';

/** The verdict on one signPubKeyCert. */
export type UnionPayCertVerdict =
  | { readonly ok: true; readonly publicKey: KeyObject; readonly certificate: X509Certificate }
  | { readonly ok: false; readonly reason: UnionPayCertRejectReason; readonly message: string };

/** A configuration problem with the root or middle certificate; thrown at construction, never per message. */
export class UnionPayTrustConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnionPayTrustConfigError';
  }
}

/** Decimal form of a certificate serial (Node reports hex), as UnionPay's certId carries it. */
export function decimalSerial(certificate: X509Certificate): string {
  return BigInt(`0x${certificate.serialNumber}`).toString(10);
}

/** The subject CN, or undefined when there is none or more than one (an ambiguous name is not trusted). */
export function subjectCommonName(certificate: X509Certificate): string | undefined {
  // Node prints one attribute per line and escapes control characters, so a value cannot fake a line.
  const names = certificate.subject
    .split('\n')
    .filter((line) => line.startsWith('CN='))
    .map((line) => line.slice(3));
  return names.length === 1 ? names[0] : undefined;
}

function parse(pem: string, label: string): X509Certificate {
  try {
    return new X509Certificate(pem.replace(/\\n/g, '\n').trim());
  } catch {
    throw new UnionPayTrustConfigError(`${label} is not a PEM X.509 certificate`);
  }
}

const within = (certificate: X509Certificate, now: Date): boolean =>
  certificate.validFromDate.getTime() <= now.getTime() && now.getTime() <= certificate.validToDate.getTime();

/**
 * Checks a signing certificate against the configured UnionPay root and middle certificates: it must be issued by
 * the middle (name and signature), the middle by the root, the root by itself; leaf and middle must be valid at
 * `now`; and the leaf's subject CN, split on '@', must carry the expected name in its third field.
 */
export class UnionPayCertVerifier {
  private readonly root: X509Certificate;
  private readonly middle: X509Certificate;

  constructor(
    rootPem: string,
    middlePem: string,
    private readonly expectedCnName: string = UNIONPAY_CN_NAME,
  ) {
    this.root = parse(rootPem, 'UnionPay root certificate');
    this.middle = parse(middlePem, 'UnionPay middle certificate');
    if (!this.root.ca || this.root.checkIssued(this.root) === false || !this.root.verify(this.root.publicKey)) {
      throw new UnionPayTrustConfigError('UnionPay root certificate must be a self-signed CA certificate');
    }
    if (!this.middle.ca || !this.middle.checkIssued(this.root) || !this.middle.verify(this.root.publicKey)) {
      throw new UnionPayTrustConfigError('UnionPay middle certificate must be a CA certificate issued by the root');
    }
  }

  /** Judges one signPubKeyCert (PEM) at `now`. Never throws. */
  verify(pem: string, now: Date): UnionPayCertVerdict {
    let leaf: X509Certificate;
    try {
      leaf = new X509Certificate(pem);
    } catch {
      return { ok: false, reason: 'MALFORMED', message: 'signPubKeyCert is not a PEM X.509 certificate' };
    }
    // Chain first: a certificate of unknown origin gets no further attention.
    if (leaf.ca || !leaf.checkIssued(this.middle) || !this.verifySignature(leaf, this.middle.publicKey)) {
      return {
        ok: false,
        reason: 'CERT_UNTRUSTED',
        message: 'signPubKeyCert is not an end-entity certificate issued by the configured UnionPay middle certificate',
      };
    }
    if (!within(leaf, now)) {
      return {
        ok: false,
        reason: 'CERT_EXPIRED',
        message: `signPubKeyCert is valid only from ${leaf.validFromDate.toISOString()} to ${leaf.validToDate.toISOString()}`,
      };
    }
    if (!within(this.middle, now) || !within(this.root, now)) {
      return {
        ok: false,
        reason: 'CERT_EXPIRED',
        message: 'the configured UnionPay middle or root certificate expired',
      };
    }
    const parts = subjectCommonName(leaf)?.split('@');
    if (parts === undefined || parts.length < 3 || parts[2] !== this.expectedCnName) {
      return {
        ok: false,
        reason: 'CERT_WRONG_CN',
        message: `signPubKeyCert subject CN does not name ${this.expectedCnName} in its third '@' field`,
      };
    }
    return { ok: true, publicKey: leaf.publicKey, certificate: leaf };
  }

  private verifySignature(certificate: X509Certificate, issuerKey: KeyObject): boolean {
    try {
      return certificate.verify(issuerKey);
    } catch {
      return false;
    }
  }
}
