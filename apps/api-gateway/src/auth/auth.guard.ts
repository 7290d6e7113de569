import { randomBytes } from 'node:crypto';
import {
  type CanActivate,
  Logger,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  SetMetadata,
  UnauthorizedException,
  createParamDecorator,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { ApiGatewayConfig } from '../api-gateway.config';
import { IdentityProviderKeys, type IdentityProviderSettings, verifyIdentityToken } from './identity-provider';
import { type Principal, type Role, TokenError, verifyToken } from './jwt';

const ROLES_KEY = 'roles';

/** Routes (or controllers) open only to callers holding one of these roles. */
export const Roles = (...roles: Role[]) => SetMetadata(ROLES_KEY, roles);

type AuthenticatedRequest = FastifyRequest & { principal?: Principal };

/** The authenticated caller, as the AuthGuard put it on the request. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  const principal = context.switchToHttp().getRequest<AuthenticatedRequest>().principal;
  if (!principal) throw new UnauthorizedException({ code: 'UNAUTHORIZED', message: 'authentication required' });
  return principal;
});

/**
 * Bearer JWT: HS256 signed with JWT_SECRET (local and service-issued tokens), or RS256/ES256 from the operator's
 * identity provider when JWT_JWKS_URL is set. No or bad token -> 401; a valid token without the route's role -> 403.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly secret: string;
  private readonly identityProvider: { settings: IdentityProviderSettings; keys: IdentityProviderKeys } | undefined;

  constructor(
    config: ApiGatewayConfig,
    private readonly reflector: Reflector,
  ) {
    // Development may run without a secret; then no token can verify (an empty HMAC key would accept forgeries).
    this.secret = config.JWT_SECRET || randomBytes(32).toString('hex');
    if (!config.JWT_SECRET && !config.JWT_JWKS_URL) {
      new Logger(AuthGuard.name).warn('JWT_SECRET is empty: every bearer token is refused');
    }
    this.identityProvider = config.JWT_JWKS_URL
      ? {
          settings: {
            issuer: config.JWT_ISSUER,
            audience: config.JWT_AUDIENCE,
            jwksUrl: config.JWT_JWKS_URL,
            rolesClaim: config.JWT_ROLES_CLAIM,
          },
          keys: new IdentityProviderKeys(config.JWT_JWKS_URL),
        }
      : undefined;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const header = request.headers.authorization;
    const match = typeof header === 'string' ? /^Bearer ([^\s]+)$/i.exec(header) : null;
    if (!match) {
      throw new UnauthorizedException({ code: 'UNAUTHORIZED', message: 'Authorization: Bearer <token> required' });
    }
    try {
      request.principal = await this.verify(match[1]);
    } catch (error) {
      if (error instanceof TokenError)
        throw new UnauthorizedException({ code: 'UNAUTHORIZED', message: error.message });
      throw error;
    }
    const required = this.reflector.getAllAndOverride<Role[] | undefined>(ROLES_KEY, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (required && !required.some((role) => request.principal!.roles.includes(role))) {
      throw new ForbiddenException({ code: 'FORBIDDEN', message: `requires role ${required.join(' or ')}` });
    }
    return true;
  }

  /** HS256 tokens against JWT_SECRET; asymmetric ones against the identity provider, when one is configured. */
  private verify(token: string): Promise<Principal> | Principal {
    const alg = headerAlg(token);
    if (alg !== 'HS256' && this.identityProvider) {
      return verifyIdentityToken(token, this.identityProvider.settings, this.identityProvider.keys);
    }
    return verifyToken(this.secret, token);
  }
}

/** The alg of a token's header, or undefined when it cannot be read (verification then names the problem). */
function headerAlg(token: string): unknown {
  try {
    return (JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as { alg?: unknown }).alg;
  } catch {
    return undefined;
  }
}
