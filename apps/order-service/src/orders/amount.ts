import { HttpStatus } from '@nestjs/common';
import { OrderError } from './order.error';

/**
 * Reads a bigint column (the pg driver hands it over as a string) as a number of minor units. Anything beyond
 * Number.MAX_SAFE_INTEGER would silently lose precision as a JS number, so it is refused instead.
 */
export function toSafeAmount(value: string | number | bigint): number {
  const amount = Number(value);
  if (!Number.isSafeInteger(amount) || BigInt(amount) !== BigInt(value)) {
    throw new OrderError(
      'ORDER_AMOUNT_NOT_SAFE',
      `Amount ${String(value)} is not a safe integer`,
      HttpStatus.INTERNAL_SERVER_ERROR,
    );
  }
  return amount;
}
