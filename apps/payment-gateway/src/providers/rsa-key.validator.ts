import { parsePrivateKey, parsePublicKey } from '@shop/providers';
import { type ValidationArguments, type ValidationOptions, registerDecorator } from 'class-validator';

type KeyKind = 'private' | 'public';

/** The parse error for `value`, or undefined when it is a usable RSA key of that kind. */
function keyProblem(kind: KeyKind, value: unknown, label: string): string | undefined {
  if (typeof value !== 'string') return `${label} must be a string`;
  // A missing key is reported once, by the "required" rule next to this one.
  if (value === '') return undefined;
  try {
    if (kind === 'private') parsePrivateKey(value, label);
    else parsePublicKey(value, label);
    return undefined;
  } catch (error) {
    // parsePrivateKey/parsePublicKey name the label and the broken rule, never the key nor a crypto message.
    return error instanceof Error ? error.message : `${label} cannot be parsed`;
  }
}

/**
 * Validates a config variable as an RSA key (PEM or raw base64; PKCS#1 or PKCS#8 private, SPKI or PKCS#1
 * public), so a pasted-wrong key fails the start naming the variable instead of failing the first payment.
 */
export function IsRsaKey(kind: KeyKind, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: `isRsa${kind === 'private' ? 'Private' : 'Public'}Key`,
      target: target.constructor,
      propertyName: String(propertyName),
      options,
      validator: {
        validate: (value: unknown, args: ValidationArguments) => keyProblem(kind, value, args.property) === undefined,
        // Parsed again rather than remembered: validators are shared across validations, so state would leak.
        defaultMessage: (args: ValidationArguments) =>
          keyProblem(kind, args.value, args.property) ?? `${args.property} is not a valid RSA ${kind} key`,
      },
    });
  };
}
