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
