import { applyDecorators } from '@nestjs/common';
import { ApiHeader, ApiProperty, ApiPropertyOptional, ApiResponse } from '@nestjs/swagger';

/** The body of every error answer (libs/runtime HttpExceptionFilter). */
export class ErrorResponse {
  @ApiProperty({ type: 'integer', example: 409 }) statusCode!: number;
  @ApiProperty({ description: 'Stable error code', example: 'ORDER_NOT_PAYABLE' }) code!: string;
  @ApiProperty({ description: 'For humans; names the field or rule' }) message!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true }) details?: Record<string, unknown>;
  @ApiPropertyOptional({ description: 'Quote it to support' }) correlationId?: string;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Invalid input (VALIDATION_FAILED / BAD_REQUEST): the message names the field',
  401: 'UNAUTHORIZED: no or invalid bearer token',
  403: 'FORBIDDEN: the token lacks the role',
  404: 'NOT_FOUND',
  409: 'Conflict with the current state',
  422: 'IDEMPOTENCY_KEY_REUSED: the key was used with another request',
  502: 'UPSTREAM_ERROR / PROVIDER_*: a service or the provider failed; retry (with the same Idempotency-Key)',
};

/** Documents the error answers of a route: status, the error body, and the codes it may carry. */
export function ApiErrors(errors: Record<number, string | undefined>): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ...Object.entries(errors).map(([status, codes]) =>
      ApiResponse({
        status: Number(status),
        description: codes
          ? `${STATUS_TEXT[Number(status)] ?? ''}${codes ? ` — codes: ${codes}` : ''}`
          : STATUS_TEXT[Number(status)],
        type: ErrorResponse,
      }),
    ),
  );
}

/** The Idempotency-Key header of the routes the IdempotencyInterceptor replays (24 h). */
export function ApiIdempotencyKey(): MethodDecorator & ClassDecorator {
  return applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      description:
        'Up to 255 characters. A retry with the same key gets the first answer again (24 h); the same key with another request is 422.',
    }),
  );
}
