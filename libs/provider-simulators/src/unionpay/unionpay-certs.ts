// Test certificates for UnionPay ACP 5.1.0: a root CA, a middle CA, UnionPay's signing leaf (its PEM travels in
// every message as signPubKeyCert) and the merchant's signing certificate (its decimal serial is our certId).
// @peculiar/x509 resolves its dependencies through tsyringe, which needs the reflect-metadata polyfill first.
import 'reflect-metadata';
import { KeyObject, X509Certificate, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

/** A WebCrypto RSA key pair (node's webcrypto types; the DOM lib is not part of this build). */
interface KeyPair {
  readonly privateKey: webcrypto.CryptoKey;
  readonly publicKey: webcrypto.CryptoKey;
}

const RSA = {
  name: 'RSASSA-PKCS1-v1_5',
  hash: 'SHA-256',
  publicExponent: new Uint8Array([1, 0, 1]),
  modulusLength: 2048,
} as const;
const DAY_MS = 24 * 60 * 60 * 1000;

/** The subject CN of UnionPay's production signing certificate: the third '@' field names UnionPay. */
export const UNIONPAY_SIGN_CN = '041@Z12@中国银联股份有限公司@00000001';

/** A certificate with its private key, in the forms tests and configuration need. */
export interface IssuedCertificate {
  readonly certPem: string;
  readonly privateKey: KeyObject;
  /** PKCS#8 PEM. */
  readonly privateKeyPem: string;
  /** The serial in decimal, as UnionPay's certId carries it. */
  readonly certId: string;
  /** For issuing further certificates; not exported beyond tests. */
  readonly cryptoKeys: KeyPair;
  readonly name: string;
}

/** Everything a UnionPay integration test needs. */
export interface UnionPayCertificates {
  readonly root: IssuedCertificate;
  readonly middle: IssuedCertificate;
  /** UnionPay's signing leaf (issued by the middle, CN names 中国银联股份有限公司, valid now). */
  readonly sign: IssuedCertificate;
  /** The merchant's signing certificate and key (signPrivateKey, signCertId = certId). */
  readonly merchant: IssuedCertificate;
}

/** Options for one certificate. */
export interface IssueOptions {
  readonly subject: string;
  readonly ca?: boolean;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

function serial(): string {
  // Positive (top bit clear) and never starting with a zero byte: DER stays canonical.
  const bytes = webcrypto.getRandomValues(new Uint8Array(9));
  bytes[0] = (bytes[0] & 0x7f) | 0x10;
  return Buffer.from(bytes).toString('hex');
}

function finish(cert: x509.X509Certificate, keys: KeyPair, name: string): IssuedCertificate {
  const privateKey = KeyObject.from(keys.privateKey);
  const privateKeyPem = privateKey.export({ format: 'pem', type: 'pkcs8' }) as string;
  const certPem = cert.toString('pem');
  return {
    certPem,
    privateKey,
    privateKeyPem,
    certId: BigInt(`0x${new X509Certificate(certPem).serialNumber}`).toString(10),
    cryptoKeys: keys,
    name,
  };
}

const generateKeys = async (): Promise<KeyPair> => await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);

function extensions(ca: boolean): x509.Extension[] {
  return ca
    ? [
        new x509.BasicConstraintsExtension(true, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      ]
    : [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.nonRepudiation, true),
      ];
}

/** A self-signed CA certificate, valid from yesterday for ten years unless told otherwise. */
export async function createRootCa(subject = 'CN=CFCA TEST ROOT, O=China Financial Certification Authority, C=CN') {
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: subject,
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 3650 * DAY_MS),
    keys,
    signingAlgorithm: RSA,
    extensions: extensions(true),
  });
  return finish(cert, keys, subject);
}

/** A certificate issued by `issuer`; a leaf (digitalSignature) unless `ca`, valid from yesterday for a year by default. */
export async function issueCertificate(issuer: IssuedCertificate, options: IssueOptions): Promise<IssuedCertificate> {
  const keys = await generateKeys();
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: options.subject,
    issuer: new x509.X509Certificate(issuer.certPem).subject,
    notBefore: options.notBefore ?? new Date(now - DAY_MS),
    notAfter: options.notAfter ?? new Date(now + 365 * DAY_MS),
    publicKey: keys.publicKey,
    signingKey: issuer.cryptoKeys.privateKey,
    signingAlgorithm: RSA,
    extensions: extensions(options.ca ?? false),
  });
  return finish(cert, keys, options.subject);
}

/** UnionPay's signing leaf under `middle`, with the production CN unless `cn` is given. */
export function issueUnionPaySignLeaf(
  middle: IssuedCertificate,
  options: { cn?: string; notBefore?: Date; notAfter?: Date } = {},
): Promise<IssuedCertificate> {
  const cn = options.cn ?? UNIONPAY_SIGN_CN;
  return issueCertificate(middle, {
    subject: `CN=${cn}, OU=00000000, OU=Local RA, O=CFCA TEST OCA1, C=CN`,
    notBefore: options.notBefore,
    notAfter: options.notAfter,
  });
}

/** Root, middle, UnionPay signing leaf and merchant certificate, all valid now. */
export async function generateUnionPayCertificates(): Promise<UnionPayCertificates> {
  const root = await createRootCa();
  const middle = await issueCertificate(root, {
    subject: 'CN=CFCA TEST OCA1, O=China Financial Certification Authority, C=CN',
    ca: true,
    notAfter: new Date(Date.now() + 3000 * DAY_MS),
  });
  const [sign, merchant] = await Promise.all([
    issueUnionPaySignLeaf(middle),
    issueCertificate(middle, {
      subject: 'CN=041@Z12@777290058110048@00000002, OU=Enterprises, O=CFCA TEST OCA1, C=CN',
    }),
  ]);
  return { root, middle, sign, merchant };
}

/** A leaf under the real middle whose CN names someone else in the third '@' field. */
export function makeWrongCnLeaf(certs: Pick<UnionPayCertificates, 'middle'>): Promise<IssuedCertificate> {
  return issueUnionPaySignLeaf(certs.middle, { cn: '041@Z12@某某科技有限公司@00000001' });
}

/** A leaf under the real middle, with the right CN, that expired yesterday. */
export function makeExpiredLeaf(certs: Pick<UnionPayCertificates, 'middle'>): Promise<IssuedCertificate> {
  const now = Date.now();
  return issueUnionPaySignLeaf(certs.middle, {
    notBefore: new Date(now - 400 * DAY_MS),
    notAfter: new Date(now - DAY_MS),
  });
}

/**
 * A leaf with the right CN and middle-CA subject names, under a self-made root and middle: only the signatures
 * tell it apart from the real one.
 */
export async function makeForeignCaLeaf(
  certs: Pick<UnionPayCertificates, 'root' | 'middle'>,
): Promise<IssuedCertificate> {
  const root = await createRootCa(certs.root.name);
  const middle = await issueCertificate(root, { subject: certs.middle.name, ca: true });
  return issueUnionPaySignLeaf(middle);
}
