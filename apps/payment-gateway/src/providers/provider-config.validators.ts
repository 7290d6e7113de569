import { X509Certificate } from 'node:crypto';
import { Transform } from 'class-transformer';
import { type ValidationArguments, registerDecorator } from 'class-validator';

/**
 * Env files and Kubernetes secrets often carry a PEM on one line with literal "\n" sequences; both spellings
 * are accepted, so a key pasted either way works. Base64 keys contain no backslash, so nothing else changes.
 */
export function PemText(): PropertyDecorator {
  return Transform(({ value }: { value: unknown }) =>
    typeof value === 'string' ? value.replace(/\\n/g, '\n') : value,
  );
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Splits one or more concatenated PEM certificates; an empty list when the text holds none. */
export function splitPemCertificates(text: string): string[] {
  return text.match(PEM_CERTIFICATE) ?? [];
}

/** What is wrong with a PEM certificate list, or undefined. Messages never quote the value. */
function certificatesProblem(value: unknown, single: boolean): string | undefined {
  if (typeof value !== 'string') return 'must be a string';
  if (value === '') return undefined; // "required" is a separate rule
  const pems = splitPemCertificates(value);
  if (pems.length === 0) return 'must be a PEM certificate (-----BEGIN CERTIFICATE-----)';
  if (single && pems.length > 1) return 'must be exactly one PEM certificate';
  for (const [index, pem] of pems.entries()) {
    try {
      new X509Certificate(pem);
    } catch {
      return `holds a certificate (number ${index + 1}) that cannot be parsed`;
    }
  }
  return undefined;
}

/** Validates a config variable as one PEM certificate (`single`) or one or more concatenated ones. */
export function IsPemCertificates(single: boolean): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isPemCertificates',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => certificatesProblem(value, single) === undefined,
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} ${certificatesProblem(args.value, single) ?? 'is not a valid PEM certificate'}`,
      },
    });
  };
}
