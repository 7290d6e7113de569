/** The error body every API route answers with (ErrorResponse in the OpenAPI document). */
export interface ApiErrorBody {
  statusCode?: number;
  code?: string;
  message?: string;
  details?: Record<string, unknown>;
  correlationId?: string;
}

// What each server code means for the person at the screen. The server's own message follows it: it names the
// specific order, amount or field.
const READABLE: Record<string, string> = {
  UNAUTHORIZED: 'You are not signed in, or your session has expired. Sign in again.',
  FORBIDDEN: 'Your account may not do this.',
  NOT_FOUND: 'Not found.',
  ORDER_NOT_FOUND: 'There is no such order (or it is not yours).',
  ORDER_NOT_PAYABLE: 'This order cannot be paid any more.',
  ORDER_NOT_REFUNDABLE: 'This order cannot be refunded.',
  INVALID_TRANSITION: 'The order is not in a state that allows this.',
  REFUND_EXCEEDS_CAPTURED: 'The refund is more than what is left to refund.',
  SHIPMENT_EXISTS: 'The order has already been shipped.',
  UNKNOWN_SKU: 'A product in the order does not exist.',
  VALIDATION_FAILED: 'Some input is not valid.',
  BAD_REQUEST: 'The request is not valid.',
  PROVIDER_DISABLED: 'This payment provider is not available.',
  PROVIDER_METHOD_UNSUPPORTED: 'This provider does not support that way of paying.',
  PROVIDER_REJECTED: 'The payment provider refused the request.',
  PROVIDER_TIMEOUT: 'The payment provider did not answer in time. Try again.',
  PROVIDER_UNAVAILABLE: 'The payment provider cannot be reached. Try again.',
  ANOMALY_NOT_FOUND: 'There is no such anomaly.',
  ANOMALY_NOT_REFUNDABLE: 'This anomaly cannot be refunded (it is resolved already).',
  ANOMALY_NOT_DISMISSIBLE: 'This anomaly cannot be dismissed (it is resolved already).',
  IDEMPOTENCY_KEY_IN_USE: 'The same action is still being processed. Wait a moment.',
  IDEMPOTENCY_KEY_REUSED: 'This action was already sent with different details. Reload the page.',
  INVALID_IDEMPOTENCY_KEY: 'The request carried an invalid Idempotency-Key.',
  UPSTREAM_UNAVAILABLE: 'A service is not available right now. Try again.',
  UPSTREAM_ERROR: 'A service failed. Try again.',
  SIMULATOR_NO_TRADE: 'The simulator has no payment for this order yet.',
  SIMULATOR_UNAVAILABLE: 'The provider simulator does not answer.',
  SIMULATOR_REFUSED: 'The provider simulator refused.',
  NETWORK: 'The server cannot be reached. Check the connection and try again.',
};

/** A readable sentence for an error answer: what it means, then the server's details. */
export function readableError(error: ApiErrorBody | undefined, status?: number): string {
  const code = error?.code ?? (status === undefined ? 'NETWORK' : `HTTP_${status}`);
  const meaning = READABLE[code] ?? `The request failed (${code}).`;
  const detail = error?.message && !meaning.includes(error.message) ? ` ${error.message}` : '';
  return `${meaning}${detail}`;
}

/** Thrown by the client helpers with the readable message and the server's code. */
export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}
