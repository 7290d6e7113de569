import {
  type CallHandler,
  type ExecutionContext,
  HttpStatus,
  Injectable,
  Logger,
  type NestInterceptor,
} from '@nestjs/common';
import { HTTP_CODE_METADATA } from '@nestjs/common/constants.js';
import { Reflector } from '@nestjs/core';
import { AppError } from '@shop/runtime';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { type Observable, from, lastValueFrom } from 'rxjs';
import type { Principal } from '../auth/jwt';
import { IdempotencyStore } from './idempotency.store';

/** The header clients send; the Stripe convention. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';
/** Set on an answer that is a replay of the key's first answer. */
export const REPLAYED_HEADER = 'Idempotent-Replayed';

// Printable ASCII without spaces, as UUIDs and most generated keys are; long enough for any of them.
const KEY_PATTERN = /^[\x21-\x7e]{1,255}$/;

type Request = FastifyRequest & { principal?: Principal };

/**
 * Idempotency-Key on every mutating request of an authenticated caller: the same key from the same caller with the
 * same request within 24 h answers the first answer again (header Idempotent-Replayed: true) and does nothing
 * again; the same key with another request -> 422 IDEMPOTENCY_KEY_REUSED; while the first still runs -> 409
 * IDEMPOTENCY_KEY_IN_USE. Without the header a request runs as it is.
 */
@Injectable()
export class IdempotencyInterceptor implements NestInterceptor {
  private readonly logger = new Logger(IdempotencyInterceptor.name);

  constructor(
    private readonly store: IdempotencyStore,
    private readonly reflector: Reflector,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    const request = context.switchToHttp().getRequest<Request>();
    const raw = request.headers[IDEMPOTENCY_HEADER];
    if (raw === undefined || request.method === 'GET' || request.method === 'HEAD') return next.handle();
    // The status Nest will answer with (set after this interceptor returns): the route's @HttpCode, else 201.
    const statusCode = this.reflector.get<number | undefined>(HTTP_CODE_METADATA, context.getHandler()) ?? 201;
    return from(this.handle(request, context.switchToHttp().getResponse<FastifyReply>(), raw, next, statusCode));
  }

  private async handle(
    request: Request,
    reply: FastifyReply,
    raw: string | string[],
    next: CallHandler,
    statusCode: number,
  ) {
    const key = Array.isArray(raw) ? undefined : raw;
    if (key === undefined || !KEY_PATTERN.test(key)) {
      throw new AppError(
        'INVALID_IDEMPOTENCY_KEY',
        'Idempotency-Key must be one header of 1 to 255 printable ASCII characters without spaces',
        HttpStatus.BAD_REQUEST,
      );
    }
    // Mutating routes all require a principal (the guard ran first); keys are per caller, so two callers never
    // see each other's answers.
    const callerId = request.principal?.userId;
    if (callerId === undefined) return lastValueFrom<unknown, undefined>(next.handle(), { defaultValue: undefined });
    const fingerprint = IdempotencyStore.fingerprint(
      request.method,
      request.routeOptions.url ?? request.url,
      request.params,
      request.body,
    );
    const claim = await this.store.claim(callerId, key, fingerprint);
    if (claim.kind === 'reused') {
      throw new AppError(
        'IDEMPOTENCY_KEY_REUSED',
        'this Idempotency-Key was already used with a different request; use a new key for a new request',
        HttpStatus.UNPROCESSABLE_ENTITY,
      );
    }
    if (claim.kind === 'in-use') {
      throw new AppError(
        'IDEMPOTENCY_KEY_IN_USE',
        'a request with this Idempotency-Key is still being processed; retry when it has finished',
        HttpStatus.CONFLICT,
      );
    }
    if (claim.kind === 'replay') {
      void reply.header(REPLAYED_HEADER, 'true');
      return claim.body;
    }
    let body: unknown;
    try {
      body = await lastValueFrom(next.handle(), { defaultValue: undefined });
    } catch (error) {
      await this.store.release(callerId, key).catch((releaseError: unknown) => {
        // The key stays claimed until its lease runs out; a retry gets IDEMPOTENCY_KEY_IN_USE until then.
        this.logger.warn({ err: releaseError, msg: 'could not release an idempotency key' });
      });
      throw error;
    }
    await this.store.complete(callerId, key, statusCode, body);
    return body;
  }
}
