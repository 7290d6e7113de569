import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServiceForTest, type RunningService } from '@shop/testing';
import type { ApiGatewayConfig } from '../api-gateway.config';
import { signToken } from '../auth/jwt';
import { service } from '../service';

const SECRET = 'integration-secret-0123456789abcdefghij';

// GET /api/v1/admin/anomalies: admins only, validated here, proxied to the payment-gateway (a stand-in that
// records what it was asked and answers a page).
describe('GET /api/v1/admin/anomalies', () => {
  let gateway: RunningService<ApiGatewayConfig>;
  let upstream: Server;
  const asked: string[] = [];
  const customer = signToken(SECRET, { sub: 'alice', roles: ['customer'] });
  const admin = signToken(SECRET, { sub: 'root', roles: ['admin'] });
  const page = {
    items: [
      {
        type: 'DUPLICATE_PAYMENT',
        orderNo: '20261127ABCDEFGH',
        provider: 'alipay',
        providerTransactionId: '2026112722001400001',
        amount: 19_600,
        currency: 'CNY',
        detectedAt: '2026-11-27T10:00:00.000Z',
        status: 'REFUND_REQUIRED',
      },
    ],
    page: 2,
    pageSize: 5,
    total: 6,
  };

  beforeAll(async () => {
    upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
      asked.push(req.url ?? '');
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(page));
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    gateway = await startServiceForTest(service, {
      JWT_SECRET: SECRET,
      ORDER_SERVICE_URL: 'http://127.0.0.1:9',
      PAYMENT_GATEWAY_URL: `http://127.0.0.1:${port}`,
      LEDGER_SERVICE_URL: 'http://127.0.0.1:9',
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  const get = (url: string, token?: string) =>
    gateway.request({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('answers 401 without a token and 403 to a customer, without calling the payment-gateway', async () => {
    const before = asked.length;
    expect((await get('/api/v1/admin/anomalies')).statusCode).toBe(401);
    const forbidden = await get('/api/v1/admin/anomalies', customer);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json()).toMatchObject({ code: 'FORBIDDEN' });
    expect(asked.length).toBe(before);
  });

  it('passes the validated filters on and answers the payment-gateway’s page', async () => {
    const response = await get(
      '/api/v1/admin/anomalies?status=REFUND_REQUIRED&type=DUPLICATE_PAYMENT&page=2&pageSize=5',
      admin,
    );
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual(page);
    const url = new URL(asked[asked.length - 1], 'http://upstream');
    expect(url.pathname).toBe('/internal/v1/anomalies');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      status: 'REFUND_REQUIRED',
      type: 'DUPLICATE_PAYMENT',
      page: '2',
      pageSize: '5',
    });
  });

  it('refuses bad or unknown query parameters with 400 naming them, before calling anyone', async () => {
    const before = asked.length;
    for (const [query, field] of [
      ['type=REFUND', 'type'],
      ['status=DONE', 'status'],
      ['pageSize=500', 'pageSize'],
      ['page=abc', 'page'],
      ['orderNo=1', 'orderNo'],
    ]) {
      const response = await get(`/api/v1/admin/anomalies?${query}`, admin);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'VALIDATION_FAILED' });
      expect(response.json<{ message: string }>().message).toContain(field);
    }
    expect(asked.length).toBe(before);
  });
});
