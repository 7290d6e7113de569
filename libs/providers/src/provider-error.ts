import { HttpStatus } from '@nestjs/common';
import { AppError } from '@shop/runtime';

/** Stable codes of provider failures; messages may change, codes may not. */
export type ProviderErrorCode =
  | 'PROVIDER_KEY_INVALID'
  | 'PROVIDER_CONFIG_INVALID'
  | 'PROVIDER_REQUEST_INVALID'
  | 'PROVIDER_METHOD_UNSUPPORTED'
  | 'PROVIDER_UNAVAILABLE'
  | 'PROVIDER_TIMEOUT'
  | 'PROVIDER_ANSWER_INVALID'
  | 'PROVIDER_ANSWER_SIGNATURE_INVALID'
  | 'PROVIDER_REJECTED'
  /** closePayment on a trade the buyer already paid: it cannot be closed (a late payment to settle instead). */
  | 'PROVIDER_TRADE_PAID';

/**
 * A failure talking to, or configuring, a payment provider. Messages name the rule that was broken and never
 * contain key material, signatures or full provider answers.
 */
export class ProviderError extends AppError {
  constructor(
    override readonly code: ProviderErrorCode,
    message: string,
    status: HttpStatus = HttpStatus.BAD_GATEWAY,
    details?: Record<string, unknown>,
  ) {
    super(code, message, status, details);
    this.name = 'ProviderError';
  }
}
