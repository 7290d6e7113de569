import { HttpStatus } from '@nestjs/common';

/**
 * An expected failure with a stable code that clients can act on, e.g. ORDER_NOT_FOUND (404).
 * The message is shown to the client, so it never contains secrets or internals.
 */
export class AppError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: HttpStatus = HttpStatus.BAD_REQUEST,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'AppError';
  }
}
