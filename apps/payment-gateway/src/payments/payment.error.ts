import { HttpStatus } from '@nestjs/common';
import { AppError } from '@shop/runtime';

/** Why the payment-gateway refused or could not complete a payment request; codes are stable for clients. */
export type PaymentErrorCode =
  | 'UNSUPPORTED_METHOD'
  | 'UNSUPPORTED_CURRENCY'
  | 'AMOUNT_OUT_OF_RANGE'
  | 'PROVIDER_DISABLED'
  | 'ORDER_ALREADY_PAID'
  | 'ORDER_PAYMENT_EXPIRED'
  | 'PROVIDER_ERROR';

const STATUS: Record<PaymentErrorCode, HttpStatus> = {
  UNSUPPORTED_METHOD: HttpStatus.BAD_REQUEST,
  UNSUPPORTED_CURRENCY: HttpStatus.BAD_REQUEST,
  AMOUNT_OUT_OF_RANGE: HttpStatus.BAD_REQUEST,
  PROVIDER_DISABLED: HttpStatus.UNPROCESSABLE_ENTITY,
  ORDER_ALREADY_PAID: HttpStatus.CONFLICT,
  ORDER_PAYMENT_EXPIRED: HttpStatus.CONFLICT,
  PROVIDER_ERROR: HttpStatus.BAD_GATEWAY,
};

/** A payment request the gateway refused (4xx) or a provider failure it reports (502), with a stable code. */
export class PaymentError extends AppError {
  constructor(
    override readonly code: PaymentErrorCode,
    message: string,
    details?: Record<string, unknown>,
  ) {
    super(code, message, STATUS[code], details);
    this.name = 'PaymentError';
  }
}
