import { registerDecorator, type ValidationOptions } from 'class-validator';
import { IpRanges } from './ip-ranges';

/** A comma-separated list of IP addresses and CIDR ranges (empty allowed). */
export function IsIpRangeList(options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) => {
    registerDecorator({
      name: 'isIpRangeList',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: `${String(propertyName)} must be comma-separated IP addresses or CIDR ranges`, ...options },
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' &&
          value
            .split(',')
            .map((e) => e.trim())
            .filter((e) => e !== '')
            .every((e) => IpRanges.isValidEntry(e)),
      },
    });
  };
}
