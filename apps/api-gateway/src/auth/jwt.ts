import { createHmac, timingSafeEqual } from 'node:crypto';

/** The roles a token may carry. */
export type Role = 'customer' | 'admin';
const ROLES: readonly Role[] = ['customer', 'admin'];

/** Who is calling: the token's subject and roles. */
export interface Principal {
  userId: string;
  roles: Role[];
}

/** Why a token was refused; the message is safe to show (it never echoes the token). */
export class TokenError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TokenError';
  }
}

const base64url = (input: Buffer | string): string => Buffer.from(input).toString('base64url');

function hmac(secret: string, data: string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

/** Signs an HS256 JWT: used by `npm start` to print local tokens and by the tests. */
export function signToken(
  secret: string,
  claims: { sub: string; roles: Role[] },
  options: { expiresInSeconds?: number; now?: Date } = {},
): string {
  const iat = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const header = base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }));
  const payload = base64url(JSON.stringify({ ...claims, iat, exp: iat + (options.expiresInSeconds ?? 3600) }));
  return `${header}.${payload}.${base64url(hmac(secret, `${header}.${payload}`))}`;
}

/** A JWT part decoded as a JSON object, or a TokenError naming the part. */
export function decodeJson(part: string, what: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw new TokenError(`token ${what} is not a JSON object`);
}

/**
 * Verifies an HS256 JWT and returns its principal. Only HS256 is accepted (never "none" or an algorithm the
 * token itself chooses); `exp` is required, `nbf` honoured; `sub` and a non-empty `roles` array are required.
 */
export function verifyToken(secret: string, token: string, now: Date = new Date()): Principal {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p))) throw new TokenError('malformed token');
  const [headerPart, payloadPart, signaturePart] = parts;
  const header = decodeJson(headerPart, 'header');
  if (header['alg'] !== 'HS256') throw new TokenError('token algorithm must be HS256');
  const expected = hmac(secret, `${headerPart}.${payloadPart}`);
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
    throw new TokenError('bad token signature');
  }
  const claims = decodeJson(payloadPart, 'payload');
  const seconds = Math.floor(now.getTime() / 1000);
  if (typeof claims['exp'] !== 'number') throw new TokenError('token has no exp claim');
  if (claims['exp'] <= seconds) throw new TokenError('token expired');
  if (typeof claims['nbf'] === 'number' && claims['nbf'] > seconds) throw new TokenError('token not valid yet');
  const sub = claims['sub'];
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128) throw new TokenError('token sub is missing');
  const roles = claims['roles'];
  if (!Array.isArray(roles) || roles.length === 0 || !roles.every((r) => ROLES.includes(r as Role))) {
    throw new TokenError(`token roles must be a non-empty array of ${ROLES.join(', ')}`);
  }
  return { userId: sub, roles: roles as Role[] };
}
