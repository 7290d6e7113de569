import { HttpStatus } from '@nestjs/common';
import { AppError } from '@shop/runtime';

/** Why the order-service refused a request or could not answer it. */
export type OrderErrorCode =
  | 'ORDER_NOT_FOUND'
  | 'UNKNOWN_SKU'
  | 'DUPLICATE_SKU'
  | 'MIXED_CURRENCIES'
  | 'ORDER_TOTAL_OUT_OF_RANGE'
  | 'ORDER_AMOUNT_NOT_SAFE'
  | 'ORDER_TRANSITION_NOT_ALLOWED'
  | 'ORDER_NOT_SHIPPABLE'
  | 'ORDER_NOT_COMPLETABLE'
  | 'ORDER_NOT_CANCELLABLE'
  | 'INVALID_DATE_RANGE';

/** One field of a request and what is wrong with it: the same shape as the VALIDATION_FAILED details. */
export interface FieldProblem {
  field: string;
  problems: string[];
}

/** An expected failure of the order domain, answered with its code (400 unless said otherwise). */
export class OrderError extends AppError {
  constructor(
    override readonly code: OrderErrorCode,
    message: string,
    status: HttpStatus = HttpStatus.BAD_REQUEST,
    details?: Record<string, unknown>,
  ) {
    super(code, message, status, details);
    this.name = 'OrderError';
  }

  /**
   * A 400 naming each offending field, e.g. `items[1].sku: unknown sku "X"`, with details.fields like the
   * validation pipe's, so the api-gateway can map both kinds of refusal the same way.
   */
  static forFields(code: OrderErrorCode, fields: FieldProblem[]): OrderError {
    const message = fields.map((f) => `${f.field}: ${f.problems.join(', ')}`).join('; ');
    return new OrderError(code, message, HttpStatus.BAD_REQUEST, { fields });
  }

  /**
   * The same answer whether the order does not exist or belongs to someone else, so a caller cannot probe
   * which order numbers exist.
   */
  static notFound(orderNo: string): OrderError {
    return new OrderError('ORDER_NOT_FOUND', `Order ${orderNo} not found`, HttpStatus.NOT_FOUND);
  }
}
