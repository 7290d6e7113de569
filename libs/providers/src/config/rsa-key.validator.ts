import { type ValidationArguments, registerDecorator } from 'class-validator';
import { parsePrivateKey, parsePublicKey } from '../keys';

type KeyKind = 'private' | 'public';

/** The problem with `value` as an RSA key of that kind, or undefined when it is usable. */
function keyProblem(kind: KeyKind, value: unknown, label: string, required: string | undefined): string | undefined {
  if (typeof value !== 'string') return `${label} must be a string`;
  // Without `required`, a missing key is reported once, by the "required" rule next to this one.
  if (value === '') return required === undefined ? undefined : `${label} ${required}`;
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
 * Validates a config variable as an RSA key of 2048 bits or more (PEM or raw base64; PKCS#1 or PKCS#8 private,
 * SPKI or PKCS#1 public), so a pasted-wrong key fails the start naming the variable instead of failing the first
 * payment. `required` is the rule for an empty value (e.g. "is required when WECHATPAY_APP_ID is set"); without
 * it an empty value passes here. Messages never quote the key.
 */
export function IsRsaKey(kind: KeyKind, required?: string): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: `isRsa${kind === 'private' ? 'Private' : 'Public'}Key`,
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          keyProblem(kind, value, args.property, required) === undefined,
        // Parsed again rather than remembered: validators are shared across validations, so state would leak.
        defaultMessage: (args: ValidationArguments) =>
          keyProblem(kind, args.value, args.property, required) ?? `${args.property} is not a valid RSA ${kind} key`,
      },
    });
  };
}
