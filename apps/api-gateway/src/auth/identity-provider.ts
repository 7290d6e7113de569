import { createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import { decodeJson, type Principal, type Role, TokenError } from './jwt';

const ROLES: readonly Role[] = ['customer', 'admin'];
// Clocks of the identity provider and ours differ a little; a token is not refused for seconds of skew.
const LEEWAY_SECONDS = 30;
// An unknown key id makes us fetch the key set again (the provider rotated keys), at most this often.
const REFRESH_MIN_INTERVAL_MS = 60_000;

/** The operator's OpenID Connect identity provider, as configured (JWT_ISSUER, JWT_AUDIENCE, JWT_JWKS_URL). */
export interface IdentityProviderSettings {
  issuer: string;
  audience: string;
  jwksUrl: string;
  /** Where the roles are in the token: a claim name or a dotted path (e.g. realm_access.roles). */
  rolesClaim: string;
}

interface Jwk extends JsonWebKey {
  kid?: string;
  use?: string;
}

/**
 * The identity provider's signing keys, from its JWKS URL: fetched on first use, cached by key id, fetched again
 * when a token names a key id not in the cache (key rotation), but not more than once a minute, so tokens with
 * made-up key ids cannot make us hammer the provider.
 */
export class IdentityProviderKeys {
  private keys = new Map<string, KeyObject>();
  private lastFetch = 0;
  private fetching: Promise<void> | undefined;

  constructor(private readonly jwksUrl: string) {}

  async key(kid: string): Promise<KeyObject> {
    let key = this.keys.get(kid);
    if (key === undefined && Date.now() - this.lastFetch >= REFRESH_MIN_INTERVAL_MS) {
      await this.refresh();
      key = this.keys.get(kid);
    }
    if (key === undefined) throw new TokenError(`token signed with an unknown key (kid ${kid.slice(0, 64)})`);
    return key;
  }

  private refresh(): Promise<void> {
    this.fetching ??= this.fetchKeys().finally(() => {
      this.fetching = undefined;
    });
    return this.fetching;
  }

  private async fetchKeys(): Promise<void> {
    this.lastFetch = Date.now();
    let body: unknown;
    try {
      const response = await fetch(this.jwksUrl, { signal: AbortSignal.timeout(5000) });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      body = await response.json();
    } catch {
      // Keep the keys we had: a provider briefly away must not sign everyone out.
      throw new TokenError('the identity provider’s keys could not be fetched; try again');
    }
    const list = (body as { keys?: unknown }).keys;
    if (!Array.isArray(list)) throw new TokenError('the identity provider’s key set has no keys');
    const keys = new Map<string, KeyObject>();
    for (const jwk of list as Jwk[]) {
      if (typeof jwk.kid !== 'string' || (jwk.use !== undefined && jwk.use !== 'sig')) continue;
      if (jwk.kty !== 'RSA' && jwk.kty !== 'EC') continue;
      try {
        keys.set(jwk.kid, createPublicKey({ key: jwk, format: 'jwk' }));
      } catch {
        // A key we cannot read is skipped; tokens signed with it are refused as signed by an unknown key.
      }
    }
    this.keys = keys;
  }
}

function claimAt(claims: Record<string, unknown>, path: string): unknown {
  return path.split('.').reduce<unknown>((value, key) => {
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[key] : undefined;
  }, claims);
}

/**
 * Verifies a token issued by the operator's identity provider: RS256 or ES256 only (never "none", never HS256
 * with the public key as secret), signed by a key of the provider's JWKS, from the configured issuer, for the
 * configured audience, not expired. The principal's roles are the customer/admin values of the roles claim.
 */
export async function verifyIdentityToken(
  token: string,
  settings: IdentityProviderSettings,
  keys: IdentityProviderKeys,
  now: Date = new Date(),
): Promise<Principal> {
  const parts = token.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]+$/.test(p))) throw new TokenError('malformed token');
  const [headerPart, payloadPart, signaturePart] = parts as [string, string, string];
  const header = decodeJson(headerPart, 'header');
  const alg = header['alg'];
  if (alg !== 'RS256' && alg !== 'ES256') throw new TokenError('token algorithm must be RS256 or ES256');
  if (typeof header['kid'] !== 'string') throw new TokenError('token header has no kid');
  const key = await keys.key(header['kid']);
  const expectedType = alg === 'RS256' ? 'rsa' : 'ec';
  if (key.asymmetricKeyType !== expectedType) throw new TokenError(`token algorithm ${alg} does not match its key`);
  const signed = Buffer.from(`${headerPart}.${payloadPart}`);
  const signature = Buffer.from(signaturePart, 'base64url');
  const valid =
    alg === 'RS256'
      ? verify('sha256', signed, key, signature)
      : verify('sha256', signed, { key, dsaEncoding: 'ieee-p1363' }, signature);
  if (!valid) throw new TokenError('bad token signature');

  const claims = decodeJson(payloadPart, 'payload');
  if (claims['iss'] !== settings.issuer) throw new TokenError('token issuer is not the configured JWT_ISSUER');
  const aud = claims['aud'];
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(settings.audience)) throw new TokenError('token audience is not the configured JWT_AUDIENCE');
  const seconds = Math.floor(now.getTime() / 1000);
  if (typeof claims['exp'] !== 'number') throw new TokenError('token has no exp claim');
  if (claims['exp'] + LEEWAY_SECONDS <= seconds) throw new TokenError('token expired');
  if (typeof claims['nbf'] === 'number' && claims['nbf'] - LEEWAY_SECONDS > seconds) {
    throw new TokenError('token not valid yet');
  }
  const sub = claims['sub'];
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128) throw new TokenError('token sub is missing');
  const granted = claimAt(claims, settings.rolesClaim);
  const roles = Array.isArray(granted) ? ROLES.filter((role) => granted.includes(role)) : [];
  if (roles.length === 0) {
    throw new TokenError(`token grants none of the roles ${ROLES.join(', ')} (claim ${settings.rolesClaim})`);
  }
  return { userId: sub, roles };
}
