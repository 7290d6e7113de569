import { type ValidationArguments, registerDecorator } from 'class-validator';
import { ProviderError, parsePublicKey } from '@shop/providers';

/**
 * Validates that a config variable holds an RSA public key (PEM or raw base64 SPKI/PKCS#1, 2048 bits or more), so
 * a broken key stops the service at start. `required` is the rule for an empty value. The message names the
 * variable and the broken rule, never the key text (parsePublicKey's messages carry no key material).
 */
export function IsRsaPublicKey(required: string): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isRsaPublicKey',
      target: target.constructor,
      propertyName: String(propertyName),
      validator: {
        validate: (value: unknown) => problemWith(value, required) === undefined,
        defaultMessage: (args: ValidationArguments) =>
          `${args.property} ${problemWith(args.value, required) ?? 'is not a valid RSA public key'}`,
      },
    });
  };
}

function problemWith(value: unknown, required: string): string | undefined {
  if (typeof value !== 'string' || value === '') return required;
  try {
    parsePublicKey(value, 'value');
    return undefined;
  } catch (error) {
    // "value is a private key; ..." -> "is a private key; ...": the rule, without the label.
    if (error instanceof ProviderError) return error.message.replace(/^value /, '');
    return 'cannot be parsed as an RSA public key';
  }
}
