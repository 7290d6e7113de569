import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startServiceForTest, type RunningService } from '@shop/testing';
import type { ApiGatewayConfig } from '../api-gateway.config';
import { signToken } from '../auth/jwt';
import { service } from '../service';

const SECRET = 'integration-secret-0123456789abcdefghij';

interface Asked {
  method: string;
  url: string;
  body: Record<string, unknown> | undefined;
}

// The back-office routes of the gateway: who may call them, what they validate, and what they ask the
// order-service (a stand-in that records each request and answers an order).
describe('api-gateway back office: search, ship, complete, cancel', () => {
  let gateway: RunningService<ApiGatewayConfig>;
  let upstream: Server;
  const asked: Asked[] = [];
  const alice = signToken(SECRET, { sub: 'alice', roles: ['customer'] });
  const admin = signToken(SECRET, { sub: 'root', roles: ['admin'] });
  const orderNo = '20261204120000ABCDEFGHIJ';

  beforeAll(async () => {
    upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        asked.push({ method: req.method ?? '', url: req.url ?? '', body: text ? JSON.parse(text) : undefined });
        const answer = req.url?.includes('/search')
          ? { items: [], page: 1, pageSize: 20, total: 0 }
          : { orderNo, status: 'SHIPPED', items: [] };
        res.writeHead(req.method === 'POST' && req.url?.endsWith('/shipments') ? 201 : 200, {
          'content-type': 'application/json',
        });
        res.end(JSON.stringify(answer));
      });
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const { port } = upstream.address() as AddressInfo;
    gateway = await startServiceForTest(service, {
      JWT_SECRET: SECRET,
      ORDER_SERVICE_URL: `http://127.0.0.1:${port}`,
      PAYMENT_GATEWAY_URL: 'http://127.0.0.1:9',
      LEDGER_SERVICE_URL: 'http://127.0.0.1:9',
    });
  });

  afterAll(async () => {
    await gateway?.stop();
    await new Promise((resolve) => upstream?.close(resolve));
  });

  const call = (method: 'GET' | 'POST', url: string, token?: string, payload?: object) =>
    gateway.request({ method, url, payload, headers: token ? { authorization: `Bearer ${token}` } : {} });
  const last = () => asked[asked.length - 1];

  it.each([
    ['GET', '/api/v1/admin/orders'],
    ['POST', `/api/v1/admin/orders/${orderNo}/shipments`],
    ['POST', `/api/v1/admin/orders/${orderNo}/complete`],
    ['GET', `/api/v1/admin/orders/${orderNo}`],
  ] as const)('%s %s: 401 without a token, 403 for a customer, nothing asked upstream', async (method, url) => {
    const before = asked.length;
    expect((await call(method, url, undefined, {})).statusCode).toBe(401);
    expect((await call(method, url, alice, { carrier: 'SF', trackingNo: 'SF12345' })).statusCode).toBe(403);
    expect(asked.length).toBe(before);
  });

  it('search passes the validated filters to the order-service', async () => {
    const response = await call(
      'GET',
      '/api/v1/admin/orders?status=PAID&provider=alipay&customerId=alice&from=2026-12-01T00:00:00Z&page=2&pageSize=5',
      admin,
    );
    expect(response.statusCode).toBe(200);
    const url = new URL(last().url, 'http://upstream');
    expect(url.pathname).toBe('/internal/v1/orders/search');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      status: 'PAID',
      provider: 'alipay',
      customerId: 'alice',
      from: '2026-12-01T00:00:00Z',
      page: '2',
      pageSize: '5',
    });
  });

  it.each(['status=NOPE', 'provider=paypal', 'from=monday', 'pageSize=500', 'orderNo=abc'])(
    'search refuses %s with 400 before asking anyone',
    async (query) => {
      const before = asked.length;
      const response = await call('GET', `/api/v1/admin/orders?${query}`, admin);
      expect(response.statusCode).toBe(400);
      expect(response.json().code).toBe('VALIDATION_FAILED');
      expect(asked.length).toBe(before);
    },
  );

  it('ship sends the parcel with the admin as actor and answers 201', async () => {
    const response = await call('POST', `/api/v1/admin/orders/${orderNo}/shipments`, admin, {
      carrier: 'SF Express',
      trackingNo: 'SF1234567890',
    });
    expect(response.statusCode).toBe(201);
    expect(last()).toEqual({
      method: 'POST',
      url: `/internal/v1/orders/${orderNo}/shipments`,
      body: { carrier: 'SF Express', trackingNo: 'SF1234567890', actor: 'root' },
    });
  });

  it('ship refuses a missing tracking number and unknown fields with 400', async () => {
    const before = asked.length;
    expect((await call('POST', `/api/v1/admin/orders/${orderNo}/shipments`, admin, { carrier: 'SF' })).statusCode).toBe(
      400,
    );
    expect(
      (
        await call('POST', `/api/v1/admin/orders/${orderNo}/shipments`, admin, {
          carrier: 'SF',
          trackingNo: 'SF12345',
          actor: 'someone-else',
        })
      ).statusCode,
    ).toBe(400);
    expect(asked.length).toBe(before);
  });

  it('complete answers 200 with the admin as actor', async () => {
    const response = await call('POST', `/api/v1/admin/orders/${orderNo}/complete`, admin);
    expect(response.statusCode).toBe(200);
    expect(last()).toMatchObject({ url: `/internal/v1/orders/${orderNo}/complete`, body: { actor: 'root' } });
  });

  it('cancel: a customer cancels only as themselves (their id sent), an admin as admin', async () => {
    expect((await call('POST', `/api/v1/orders/${orderNo}/cancel`, alice, {})).statusCode).toBe(200);
    expect(last()).toEqual({
      method: 'POST',
      url: `/internal/v1/orders/${orderNo}/cancel`,
      body: { actor: 'alice', by: 'customer', customerId: 'alice' },
    });
    expect(
      (await call('POST', `/api/v1/orders/${orderNo}/cancel`, admin, { note: 'duplicate order' })).statusCode,
    ).toBe(200);
    expect(last().body).toEqual({ actor: 'root', by: 'admin', note: 'duplicate order' });
  });
});
