import { X509Certificate } from 'node:crypto';
import { type ValidationArguments, registerDecorator } from 'class-validator';
import { parsePublicKey } from '../keys';
import { ProviderError } from '../provider-error';
import { splitPemCertificates } from './pem-text';

/** How many certificates a variable holds, and what to say when it is empty. */
export interface PemCertificatesOptions {
  /** Exactly one certificate (a trust anchor) rather than one or more concatenated ones. */
  readonly single: boolean;
  /** The rule for an empty value, e.g. "is required when UNIONPAY_MER_ID is set: UnionPay's root certificate". */
  readonly required: string;
  /** Each certificate's key verifies signatures itself (RSA-SHA256), so it must be RSA of 2048 bits or more. */
  readonly rsaSigningKeys?: boolean;
}

/**
 * Validates that a config variable holds PEM certificates (with RSA keys of 2048 bits or more when they verify
 * signatures themselves), and nothing else.
 * Messages name the variable and the rule, never the value: a private key pasted into a certificate variable by
 * mistake must not be echoed into the start-up error.
 */
export function IsPemCertificates(options: PemCertificatesOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isPemCertificates',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => certificatesProblem(value, options) === undefined,
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} ${certificatesProblem(args.value, options) ?? 'is not a valid PEM certificate'}`,
      },
    });
  };
}

function certificatesProblem(value: unknown, options: PemCertificatesOptions): string | undefined {
  if (typeof value !== 'string' || value === '') return options.required;
  const { certificates, extra } = splitPemCertificates(value);
  if (certificates.length === 0) return 'must be a PEM certificate (-----BEGIN CERTIFICATE-----)';
  if (extra) return 'must hold PEM certificates only (it holds another PEM block or other text)';
  if (options.single && certificates.length > 1) return 'must be exactly one PEM certificate';
  for (const [index, pem] of certificates.entries()) {
    const which = options.single ? 'the certificate' : `certificate ${index + 1}`;
    let certificate: X509Certificate;
    try {
      certificate = new X509Certificate(pem);
    } catch {
      return `holds ${which}, which cannot be parsed as X.509`;
    }
    if (options.rsaSigningKeys !== true) continue;
    try {
      parsePublicKey(certificate.publicKey, 'key');
    } catch (error) {
      // "key is RSA 1024; ..." -> "holds certificate 1, whose key is RSA 1024; ...": the rule, no key material.
      const rule = error instanceof ProviderError ? error.message.replace(/^key /, '') : 'is not an RSA key';
      return `holds ${which}, whose public key ${rule}`;
    }
  }
  return undefined;
}
