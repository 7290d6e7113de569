import { generateKeyPairSync, sign } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServiceForTest, type RunningService } from '@shop/testing';
import type { ApiGatewayConfig } from '../api-gateway.config';
import { service } from '../service';
import { signToken } from './jwt';

const SECRET = 'integration-secret-0123456789abcdefghij';

describe('api-gateway authentication and roles', () => {
  let gateway: RunningService<ApiGatewayConfig>;
  const customer = signToken(SECRET, { sub: 'alice', roles: ['customer'] });
  const admin = signToken(SECRET, { sub: 'root', roles: ['admin'] });

  beforeAll(async () => {
    // Upstreams point at a closed port: the routes below must decide before calling them, or answer 503.
    gateway = await startServiceForTest(service, {
      JWT_SECRET: SECRET,
      ORDER_SERVICE_URL: 'http://127.0.0.1:9',
      PAYMENT_GATEWAY_URL: 'http://127.0.0.1:9',
      LEDGER_SERVICE_URL: 'http://127.0.0.1:9',
    });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('answers 401 without a token, with a malformed header, and with a forged token', async () => {
    for (const authorization of [
      undefined,
      'Basic abc',
      'Bearer not.a.token',
      `Bearer ${signToken('x'.repeat(40), { sub: 'alice', roles: ['customer'] })}`,
    ]) {
      const response = await gateway.request({
        method: 'GET',
        url: '/api/v1/orders',
        headers: authorization ? { authorization } : {},
      });
      expect(response.statusCode).toBe(401);
      expect(response.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    }
  });

  it('answers 403 to a customer on an admin route', async () => {
    const response = await gateway.request({
      method: 'GET',
      url: '/api/v1/admin/orders/20261127ABCDEFGH/ledger',
      headers: { authorization: `Bearer ${customer}` },
    });
    expect(response.statusCode).toBe(403);
    expect(response.json()).toMatchObject({ code: 'FORBIDDEN' });
  });

  it('lets an admin through, and says so when an upstream is down', async () => {
    const response = await gateway.request({
      method: 'GET',
      url: '/api/v1/admin/orders/20261127ABCDEFGH/ledger',
      headers: { authorization: `Bearer ${admin}` },
    });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('validates the body before calling anyone', async () => {
    const response = await gateway.request({
      method: 'POST',
      url: '/api/v1/orders',
      headers: { authorization: `Bearer ${customer}` },
      payload: { items: [{ sku: 'TEA', quantity: 0 }], totalAmount: 1 },
    });
    expect(response.statusCode).toBe(400);
    const body = response.json<{ code: string; message: string }>();
    expect(body.code).toBe('VALIDATION_FAILED');
    expect(body.message).toContain('items.0.quantity');
    expect(body.message).toContain('totalAmount');
  });

  it('refuses a bad order number in the path', async () => {
    const response = await gateway.request({
      method: 'GET',
      url: '/api/v1/orders/../../etc',
      headers: { authorization: `Bearer ${customer}` },
    });
    expect([400, 404]).toContain(response.statusCode);
    const bad = await gateway.request({
      method: 'GET',
      url: '/api/v1/orders/short',
      headers: { authorization: `Bearer ${customer}` },
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ message: string }>().message).toContain('orderNo');
  });
});

describe('api-gateway with the operator’s identity provider (OIDC, JWKS)', () => {
  let gateway: RunningService<ApiGatewayConfig>;
  let jwksServer: http.Server;
  const idp = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const issuer = 'https://id.example.com/realms/shop';
  const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const idpToken = (claims: Record<string, unknown>) => {
    const head = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({
      iss: issuer,
      aud: 'shop-api',
      exp: Math.floor(Date.now() / 1000) + 300,
      ...claims,
    })}`;
    return `${head}.${sign('sha256', Buffer.from(head), idp.privateKey).toString('base64url')}`;
  };

  beforeAll(async () => {
    jwksServer = http.createServer((_req, res) =>
      res.end(JSON.stringify({ keys: [{ ...idp.publicKey.export({ format: 'jwk' }), kid: 'k1', use: 'sig' }] })),
    );
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const { port } = jwksServer.address() as AddressInfo;
    gateway = await startServiceForTest(service, {
      JWT_SECRET: SECRET,
      JWT_JWKS_URL: `http://127.0.0.1:${port}/protocol/openid-connect/certs`,
      JWT_ISSUER: issuer,
      JWT_AUDIENCE: 'shop-api',
      JWT_ROLES_CLAIM: 'realm_access.roles',
      ORDER_SERVICE_URL: 'http://127.0.0.1:9',
      PAYMENT_GATEWAY_URL: 'http://127.0.0.1:9',
      LEDGER_SERVICE_URL: 'http://127.0.0.1:9',
      NOTIFICATION_INGEST_URL: 'http://127.0.0.1:9',
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await new Promise<void>((resolve) => jwksServer.close(() => resolve()));
  });

  const get = (url: string, token: string) =>
    gateway.request({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } });

  it('lets an operator in with the provider’s admin token (the upstream being down is the only failure)', async () => {
    const response = await get(
      '/api/v1/admin/stats',
      idpToken({ sub: 'operator-7', realm_access: { roles: ['admin'] } }),
    );
    expect(response.json()).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });

  it('answers 403 to a provider token without the admin role, 401 to one for another audience', async () => {
    const customer = idpToken({ sub: 'buyer-1', realm_access: { roles: ['customer'] } });
    expect((await get('/api/v1/admin/stats', customer)).statusCode).toBe(403);
    const elsewhere = idpToken({ sub: 'operator-7', aud: 'other-app', realm_access: { roles: ['admin'] } });
    const refused = await get('/api/v1/admin/stats', elsewhere);
    expect(refused.statusCode).toBe(401);
    expect(refused.json()).toMatchObject({
      code: 'UNAUTHORIZED',
      message: 'token audience is not the configured JWT_AUDIENCE',
    });
  });

  it('still accepts the local HS256 tokens signed with JWT_SECRET', async () => {
    const local = signToken(SECRET, { sub: 'root', roles: ['admin'] });
    expect((await get('/api/v1/admin/stats', local)).json()).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
  });
});
