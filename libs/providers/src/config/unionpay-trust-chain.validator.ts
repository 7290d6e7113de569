import { X509Certificate } from 'node:crypto';
import { type ValidationArguments, registerDecorator } from 'class-validator';
import { UnionPayCertVerifier, UnionPayTrustConfigError } from '../unionpay/unionpay-certs';

/** The config variables that hold UnionPay's trust anchors (PEM, literal "\n" already restored). */
interface UnionPayTrustVariables {
  readonly UNIONPAY_ROOT_CERT: string;
  readonly UNIONPAY_MIDDLE_CERT: string;
}

/**
 * Validates, on UNIONPAY_MIDDLE_CERT, that the root and middle certificates form UnionPay's chain (a self-signed CA
 * root that issued the middle CA) and that both are valid now: otherwise every notification would be refused.
 * Silent while either variable does not hold one parseable certificate: IsPemCertificates reports that.
 */
export function IsUnionPayTrustChain(): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isUnionPayTrustChain',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (_value: unknown, args: ValidationArguments) => chainProblem(args.object) === undefined,
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} ${chainProblem(args.object) ?? 'does not chain to UNIONPAY_ROOT_CERT'}`,
      },
    });
  };
}

function chainProblem(object: object): string | undefined {
  const config = object as Partial<UnionPayTrustVariables>;
  const root = parse(config.UNIONPAY_ROOT_CERT);
  const middle = parse(config.UNIONPAY_MIDDLE_CERT);
  if (root === undefined || middle === undefined) return undefined;
  try {
    new UnionPayCertVerifier(root.toString(), middle.toString());
  } catch (error) {
    // The verifier's messages name the broken rule and never quote a certificate.
    if (error instanceof UnionPayTrustConfigError)
      return `and UNIONPAY_ROOT_CERT do not form a chain: ${error.message}`;
    throw error;
  }
  const now = Date.now();
  for (const [name, certificate] of [
    ['UNIONPAY_ROOT_CERT', root],
    ['UNIONPAY_MIDDLE_CERT', middle],
  ] as const) {
    if (certificate.validFromDate.getTime() > now || certificate.validToDate.getTime() < now) {
      return `cannot verify anything: ${name} is valid only from ${certificate.validFromDate.toISOString()} to ${certificate.validToDate.toISOString()}`;
    }
  }
  return undefined;
}

function parse(pem: string | undefined): X509Certificate | undefined {
  try {
    return pem === undefined || pem === '' ? undefined : new X509Certificate(pem);
  } catch {
    return undefined;
  }
}
