import { connect } from 'node:net';
import { startServiceForTest, type RunningService } from '@shop/testing';
import type { OrderServiceConfig } from './order-service.config';
import { service } from './service';

const TOKEN = 'internal-token-0123456789abcdefghijklmnop';

/** Sends one raw HTTP request (no client normalises the target) and answers the status code. */
function rawStatus(port: number, target: string, headers: Record<string, string> = {}): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => {
      const lines = [`GET ${target} HTTP/1.1`, 'Host: 127.0.0.1', 'Connection: close'];
      for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
    });
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
    socket.on('error', reject);
  });
}

// /internal routes with INTERNAL_TOKEN set, as in production: only callers presenting it get in, by any spelling
// of the path; health and metrics stay reachable for probes.
describe('order-service internal routes with a service token', () => {
  let orders: RunningService<OrderServiceConfig>;
  let port: number;

  beforeAll(async () => {
    orders = await startServiceForTest(service, { INTERNAL_TOKEN: TOKEN });
    await orders.app.listen(0, '127.0.0.1');
    port = Number(new URL(await orders.app.getUrl()).port);
  });

  afterAll(async () => {
    await orders?.stop();
  });

  it('answers 401 UNAUTHORIZED without the token or with another, and 200 with it', async () => {
    const none = await orders.request({ method: 'GET', url: '/internal/v1/products' });
    expect(none.statusCode).toBe(401);
    expect(none.json()).toMatchObject({ code: 'UNAUTHORIZED' });
    expect(JSON.stringify(none.json())).not.toContain(TOKEN);
    const wrong = await orders.request({
      method: 'GET',
      url: '/internal/v1/products',
      headers: { authorization: `Bearer ${TOKEN}x` },
    });
    expect(wrong.statusCode).toBe(401);
    const basic = await orders.request({
      method: 'GET',
      url: '/internal/v1/products',
      headers: { authorization: `Basic ${Buffer.from(`x:${TOKEN}`).toString('base64')}` },
    });
    expect(basic.statusCode).toBe(401);
    const right = await orders.request({
      method: 'GET',
      url: '/internal/v1/products',
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(right.statusCode).toBe(200);
  });

  it.each([
    '/%69nternal/v1/products',
    '/internal/v1/%70roducts',
    '/internal//v1/products',
    '/internal/v1/./products',
    '/x/../internal/v1/products',
    '/internal/v1/products?customerId=x',
    'http://127.0.0.1/internal/v1/products',
  ])('refuses %s without the token whenever the router reaches an internal handler', async (target) => {
    const status = await rawStatus(port, target);
    expect([401, 404, 400]).toContain(status);
    expect(status).not.toBe(200);
  });

  it('keeps health and metrics open for probes and scrapers', async () => {
    expect((await orders.request({ method: 'GET', url: '/health/live' })).statusCode).toBe(200);
    expect((await orders.request({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
  });
});
