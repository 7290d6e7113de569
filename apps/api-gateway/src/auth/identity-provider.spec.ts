import { createHmac, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { IdentityProviderKeys, type IdentityProviderSettings, verifyIdentityToken } from './identity-provider';

// Tokens from the operator's identity provider: a local JWKS server plays the provider with keys made here.

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const stranger = generateKeyPairSync('rsa', { modulusLength: 2048 });

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

function token(
  claims: Record<string, unknown>,
  options: { alg?: string; kid?: string; key?: KeyObject; hmacSecret?: string } = {},
): string {
  const alg = options.alg ?? 'RS256';
  const head = `${b64({ alg, typ: 'JWT', kid: options.kid ?? 'rsa-1' })}.${b64(claims)}`;
  let signature: Buffer;
  if (alg === 'HS256')
    signature = createHmac('sha256', options.hmacSecret ?? '')
      .update(head)
      .digest();
  else if (alg === 'ES256')
    signature = sign('sha256', Buffer.from(head), { key: options.key ?? ec.privateKey, dsaEncoding: 'ieee-p1363' });
  else signature = sign('sha256', Buffer.from(head), options.key ?? rsa.privateKey);
  return `${head}.${signature.toString('base64url')}`;
}

const now = Math.floor(Date.now() / 1000);
const valid = {
  iss: 'https://id.example.com/realms/shop',
  aud: 'shop-api',
  sub: 'operator-7',
  exp: now + 300,
  roles: ['admin', 'offline_access'],
};

describe('tokens from the identity provider', () => {
  let server: http.Server;
  let fetches = 0;
  let settings: IdentityProviderSettings;
  let jwks: unknown[];

  beforeAll(async () => {
    jwks = [
      { ...rsa.publicKey.export({ format: 'jwk' }), kid: 'rsa-1', use: 'sig', alg: 'RS256' },
      { ...ec.publicKey.export({ format: 'jwk' }), kid: 'ec-1', use: 'sig', alg: 'ES256' },
      // An encryption key is never used to check signatures.
      { ...stranger.publicKey.export({ format: 'jwk' }), kid: 'enc-1', use: 'enc' },
    ];
    server = http.createServer((_req, res) => {
      fetches += 1;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: jwks }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    settings = {
      issuer: valid.iss,
      audience: valid.aud,
      jwksUrl: `http://127.0.0.1:${port}/certs`,
      rolesClaim: 'roles',
    };
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const keys = () => new IdentityProviderKeys(settings.jwksUrl);

  it('accepts RS256 and ES256 tokens of the configured issuer and audience, with the known roles only', async () => {
    const store = keys();
    await expect(verifyIdentityToken(token(valid), settings, store)).resolves.toEqual({
      userId: 'operator-7',
      roles: ['admin'],
    });
    const es = token({ ...valid, aud: ['other', 'shop-api'], roles: ['customer'] }, { alg: 'ES256', kid: 'ec-1' });
    await expect(verifyIdentityToken(es, settings, store)).resolves.toEqual({
      userId: 'operator-7',
      roles: ['customer'],
    });
  });

  it('reads roles from a nested claim (Keycloak realm_access.roles)', async () => {
    const nested = token({ ...valid, roles: undefined, realm_access: { roles: ['admin'] } });
    await expect(
      verifyIdentityToken(nested, { ...settings, rolesClaim: 'realm_access.roles' }, keys()),
    ).resolves.toMatchObject({ roles: ['admin'] });
  });

  it.each([
    ['another issuer', token({ ...valid, iss: 'https://evil.example.com' }), 'issuer'],
    ['another audience', token({ ...valid, aud: 'someone-else' }), 'audience'],
    ['an expired token', token({ ...valid, exp: now - 120 }), 'expired'],
    ['a token not valid yet', token({ ...valid, nbf: now + 600 }), 'not valid yet'],
    ['no known role', token({ ...valid, roles: ['offline_access'] }), 'grants none of the roles'],
    ['no sub', token({ ...valid, sub: '' }), 'sub'],
    ['a foreign key under a known kid', token(valid, { key: stranger.privateKey }), 'bad token signature'],
    ['an unknown kid', token(valid, { kid: 'rsa-9' }), 'unknown key'],
    ['the encryption key', token(valid, { kid: 'enc-1', key: stranger.privateKey }), 'unknown key'],
    ['alg none', `${b64({ alg: 'none', kid: 'rsa-1' })}.${b64(valid)}.`, 'malformed'],
    [
      'ES256 claimed for an RSA key',
      token(valid, { alg: 'ES256', kid: 'rsa-1', key: ec.privateKey }),
      'does not match',
    ],
    [
      'HS256 with the public key as its secret',
      token(valid, { alg: 'HS256', hmacSecret: rsa.publicKey.export({ type: 'spki', format: 'pem' }).toString() }),
      'RS256 or ES256',
    ],
  ])('refuses %s', async (_case, bad, reason) => {
    await expect(verifyIdentityToken(bad, settings, keys())).rejects.toThrow(reason);
  });

  it('fetches the keys again for a new kid (rotation), but not more than once a minute', async () => {
    const store = keys();
    await verifyIdentityToken(token(valid), settings, store);
    const before = fetches;
    const rotated = generateKeyPairSync('rsa', { modulusLength: 2048 });
    jwks.push({ ...rotated.publicKey.export({ format: 'jwk' }), kid: 'rsa-2', use: 'sig' });
    // Within the minute, an unknown kid is refused without asking the provider again.
    await expect(
      verifyIdentityToken(token(valid, { kid: 'rsa-2', key: rotated.privateKey }), settings, store),
    ).rejects.toThrow('unknown key');
    expect(fetches).toBe(before);
    // A fresh store (as after the minute) fetches and accepts it.
    await expect(
      verifyIdentityToken(token(valid, { kid: 'rsa-2', key: rotated.privateKey }), settings, keys()),
    ).resolves.toMatchObject({ userId: 'operator-7' });
  });
});
