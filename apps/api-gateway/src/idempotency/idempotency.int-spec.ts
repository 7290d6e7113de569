import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DataSource } from 'typeorm';
import { startServiceForTest, type RunningService } from '@shop/testing';
import type { ApiGatewayConfig } from '../api-gateway.config';
import { signToken } from '../auth/jwt';
import { service } from '../service';

const SECRET = 'integration-secret-0123456789abcdefghij';

interface Asked {
  method: string;
  url: string;
  body: Record<string, unknown>;
}

// Idempotency-Key on the gateway's mutating routes, with its records in the gateway's real PostgreSQL database;
// the order-service is a stand-in that counts what it is asked and can be made slow or failing.
describe('Idempotency-Key', () => {
  let gateway: RunningService<ApiGatewayConfig>;
  let upstream: Server;
  const asked: Asked[] = [];
  let delayMs = 0;
  let failNext = 0;
  let created = 0;
  const alice = signToken(SECRET, { sub: 'alice', roles: ['customer'] });
  const bob = signToken(SECRET, { sub: 'bob', roles: ['customer'] });
  const admin = signToken(SECRET, { sub: 'root', roles: ['admin'] });

  beforeAll(async () => {
    upstream = createServer((req: IncomingMessage, res: ServerResponse) => {
      let text = '';
      req.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
      req.on('end', () => {
        asked.push({ method: req.method ?? '', url: req.url ?? '', body: text ? JSON.parse(text) : {} });
        setTimeout(() => {
          if (failNext > 0) {
            failNext -= 1;
            res.writeHead(500, { 'content-type': 'application/json' }).end('{"code":"INTERNAL_ERROR"}');
            return;
          }
          created += 1;
          const orderNo = `20261204000000ORDER${String(created).padStart(5, '0')}`;
          res
            .writeHead(req.url?.endsWith('/complete') ? 200 : 201, { 'content-type': 'application/json' })
            .end(JSON.stringify({ orderNo, status: 'PENDING_PAYMENT', n: created }));
        }, delayMs);
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

  beforeEach(() => {
    delayMs = 0;
    failNext = 0;
  });

  const order = { items: [{ sku: 'MUG-CELADON', quantity: 1 }] };
  const createOrder = (token: string, key?: string, payload: object = order) =>
    gateway.request({
      method: 'POST',
      url: '/api/v1/orders',
      payload,
      headers: { authorization: `Bearer ${token}`, ...(key === undefined ? {} : { 'idempotency-key': key }) },
    });
  const uniqueKey = () => `key-${Date.now()}-${Math.random().toString(36).slice(2)}`;

  it('replays the first answer (status, body, Idempotent-Replayed: true) and does nothing again', async () => {
    const key = uniqueKey();
    const before = asked.length;
    const first = await createOrder(alice, key);
    expect(first.statusCode).toBe(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const second = await createOrder(alice, key);
    expect(second.statusCode).toBe(201);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(second.json()).toEqual(first.json());
    expect(asked.length - before).toBe(1);
    // The order-service got a request key derived from the caller and key, never the key itself.
    const sent = asked[asked.length - 1].body;
    expect(sent.requestKey).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.stringify(sent)).not.toContain(key);
  });

  it('treats the same body with its keys in another order as the same request', async () => {
    const key = uniqueKey();
    await createOrder(alice, key, { items: [{ sku: 'MUG-CELADON', quantity: 1 }] });
    const again = await createOrder(alice, key, { items: [{ quantity: 1, sku: 'MUG-CELADON' }] });
    expect(again.headers['idempotent-replayed']).toBe('true');
  });

  it('answers 422 IDEMPOTENCY_KEY_REUSED for the same key with another body or on another route', async () => {
    const key = uniqueKey();
    expect((await createOrder(alice, key)).statusCode).toBe(201);
    const before = asked.length;
    const other = await createOrder(alice, key, { items: [{ sku: 'MUG-CELADON', quantity: 2 }] });
    expect(other.statusCode).toBe(422);
    expect(other.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_REUSED' });
    const elsewhere = await gateway.request({
      method: 'POST',
      url: '/api/v1/orders/20261204000000ORDER00001/cancel',
      payload: {},
      headers: { authorization: `Bearer ${alice}`, 'idempotency-key': key },
    });
    expect(elsewhere.statusCode).toBe(422);
    expect(asked.length).toBe(before);
  });

  it('keeps keys per caller: the same key from another caller is a new request', async () => {
    const key = uniqueKey();
    const a = await createOrder(alice, key);
    const b = await createOrder(bob, key);
    expect(b.headers['idempotent-replayed']).toBeUndefined();
    expect(b.json().n).not.toBe(a.json().n);
  });

  it('answers 409 IDEMPOTENCY_KEY_IN_USE while the first request runs, then replays it', async () => {
    const key = uniqueKey();
    delayMs = 1500;
    const first = createOrder(alice, key);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const during = await createOrder(alice, key);
    expect(during.statusCode).toBe(409);
    expect(during.json()).toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_USE' });
    expect((await first).statusCode).toBe(201);
    const after = await createOrder(alice, key);
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(after.json()).toEqual((await first).json());
  });

  it('sends one request upstream when 10 arrive at once with one key', async () => {
    const key = uniqueKey();
    delayMs = 300;
    const before = asked.length;
    const answers = await Promise.all(Array.from({ length: 10 }, () => createOrder(alice, key)));
    expect(asked.length - before).toBe(1);
    expect(answers.filter((a) => a.statusCode === 201)).toHaveLength(1);
    expect(answers.filter((a) => a.statusCode === 409)).toHaveLength(9);
  });

  it('does not store a failed answer: a retry after an upstream failure runs again', async () => {
    const key = uniqueKey();
    failNext = 1;
    const failed = await createOrder(alice, key);
    expect(failed.statusCode).toBe(502);
    const retry = await createOrder(alice, key);
    expect(retry.statusCode).toBe(201);
    expect(retry.headers['idempotent-replayed']).toBeUndefined();
  });

  it('does not store a refused request: a validation error leaves the key free', async () => {
    const key = uniqueKey();
    expect((await createOrder(alice, key, { items: [] })).statusCode).toBe(400);
    expect((await createOrder(alice, key)).statusCode).toBe(201);
  });

  it('answers 400 INVALID_IDEMPOTENCY_KEY for an empty, spaced or over-long key', async () => {
    for (const key of ['', 'has space', 'x'.repeat(256), 'caf\u00e9']) {
      const response = await createOrder(alice, key);
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ code: 'INVALID_IDEMPOTENCY_KEY' });
    }
  });

  it('replays an admin action with its own status (200 for complete)', async () => {
    const key = uniqueKey();
    const complete = () =>
      gateway.request({
        method: 'POST',
        url: '/api/v1/admin/orders/20261204000000ORDER00001/complete',
        headers: { authorization: `Bearer ${admin}`, 'idempotency-key': key },
      });
    const first = await complete();
    expect(first.statusCode).toBe(200);
    const second = await complete();
    expect(second.statusCode).toBe(200);
    expect(second.headers['idempotent-replayed']).toBe('true');
    expect(asked.filter((a) => a.url.endsWith('/complete')).length).toBe(1);
  });

  it('takes over a key whose first request was abandoned (its lease ran out), and treats an expired key as new', async () => {
    const key = uniqueKey();
    const dataSource = gateway.app.get(DataSource);
    const fingerprintOf = async () => {
      await createOrder(alice, key);
      const [row] = await dataSource.query(
        `SELECT request_hash FROM idempotency_records WHERE caller_id = 'alice' AND idempotency_key = $1`,
        [key],
      );
      return row.request_hash as string;
    };
    const hash = await fingerprintOf();
    // A gateway that died mid-request: no answer stored, claimed two minutes ago.
    await dataSource.query(
      `UPDATE idempotency_records SET status_code = NULL, response_body = NULL, created_at = now() - interval '2 minutes'
       WHERE caller_id = 'alice' AND idempotency_key = $1`,
      [key],
    );
    const taken = await createOrder(alice, key);
    expect(taken.statusCode).toBe(201);
    expect(taken.headers['idempotent-replayed']).toBeUndefined();
    await dataSource.query(
      `UPDATE idempotency_records SET expires_at = now() - interval '1 second' WHERE caller_id = 'alice' AND idempotency_key = $1`,
      [key],
    );
    const other = await createOrder(alice, key, { items: [{ sku: 'MUG-CELADON', quantity: 3 }] });
    expect(other.statusCode).toBe(201);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });
});
