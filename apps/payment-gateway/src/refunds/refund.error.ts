import { HttpStatus } from '@nestjs/common';
import { AppError } from '@shop/runtime';

/** Why a refund (or an anomaly action) was refused; codes are stable for clients. */
export type RefundErrorCode =
  | 'ORDER_NOT_REFUNDABLE'
  | 'REFUND_EXCEEDS_CAPTURED'
  | 'REFUND_CURRENCY_MISMATCH'
  | 'REFUNDS_NOT_SUPPORTED'
  | 'REFUND_NOT_FOUND'
  | 'ANOMALY_NOT_FOUND'
  | 'ANOMALY_NOT_REFUNDABLE'
  | 'ANOMALY_NOT_DISMISSABLE';

const STATUS: Record<RefundErrorCode, HttpStatus> = {
  ORDER_NOT_REFUNDABLE: HttpStatus.CONFLICT,
  REFUND_EXCEEDS_CAPTURED: HttpStatus.CONFLICT,
  REFUND_CURRENCY_MISMATCH: HttpStatus.BAD_REQUEST,
  REFUNDS_NOT_SUPPORTED: HttpStatus.UNPROCESSABLE_ENTITY,
  REFUND_NOT_FOUND: HttpStatus.NOT_FOUND,
  ANOMALY_NOT_FOUND: HttpStatus.NOT_FOUND,
  ANOMALY_NOT_REFUNDABLE: HttpStatus.CONFLICT,
  ANOMALY_NOT_DISMISSABLE: HttpStatus.CONFLICT,
};

/** A refused refund request, with a stable code and the amounts that explain it. */
export class RefundError extends AppError {
  constructor(
    override readonly code: RefundErrorCode,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(code, message, STATUS[code], details);
    this.name = 'RefundError';
  }
}
