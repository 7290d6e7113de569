import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type CanActivate,
  type ExecutionContext,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  UnauthorizedException,
} from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { ServiceConfig } from './service-config';

/** Routes under this prefix are for other services only. */
export const INTERNAL_ROUTE_PREFIX = '/internal/';

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Internal routes (/internal/...) answer only callers that present INTERNAL_TOKEN as a bearer token; the rest get
 * 401. Decided on the route the router matched, not on the raw URL, so no spelling of a path (percent-encoding,
 * dot segments) reaches an internal handler unchecked. Compared in constant time over digests. Without a token
 * (development) the routes stay open and the service says so at start.
 */
@Injectable()
export class InternalAuthGuard implements CanActivate, OnApplicationBootstrap {
  private readonly expected: Buffer | undefined;

  constructor(private readonly config: ServiceConfig) {
    this.expected = config.INTERNAL_TOKEN === '' ? undefined : digest(config.INTERNAL_TOKEN);
  }

  onApplicationBootstrap(): void {
    if (this.expected === undefined) {
      new Logger(InternalAuthGuard.name).warn('INTERNAL_TOKEN is empty: /internal routes accept any caller');
    }
  }

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http' || this.expected === undefined) return true;
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const route = request.routeOptions?.url ?? request.url;
    if (!route.startsWith(INTERNAL_ROUTE_PREFIX)) return true;
    const header = request.headers.authorization;
    const token = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header)?.[1] : undefined;
    if (token === undefined || !timingSafeEqual(digest(token), this.expected)) {
      throw new UnauthorizedException({
        code: 'UNAUTHORIZED',
        message: 'internal route: Authorization: Bearer <INTERNAL_TOKEN> required',
      });
    }
    return true;
  }
}
