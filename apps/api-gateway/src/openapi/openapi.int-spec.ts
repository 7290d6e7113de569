// The OpenAPI document: the committed openapi.json is what the code generates, the running gateway serves exactly
// it at GET /docs/openapi.json (and a page at GET /docs), and every public route is in it.
import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startServiceForTest, type RunningService } from '@shop/testing';
import type { ApiGatewayConfig } from '../api-gateway.config';
import { service } from '../service';

const ROOT = path.resolve(__dirname, '../../../..');
const committed = JSON.parse(fs.readFileSync(path.join(ROOT, 'openapi.json'), 'utf8')) as {
  openapi: string;
  paths: Record<string, Record<string, unknown>>;
};

describe('OpenAPI document', () => {
  let gateway: RunningService<ApiGatewayConfig>;

  beforeAll(async () => {
    gateway = await startServiceForTest(service, { JWT_SECRET: 'openapi-secret-0123456789abcdefghijklmn' });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('is committed as generated from the code (npm run openapi)', async () => {
    const result = await new Promise<{ code: number; out: string }>((resolve) => {
      execFile(
        process.execPath,
        ['scripts/openapi.mjs', '--check'],
        { cwd: ROOT, timeout: 60_000 },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, out: `${stdout}${stderr}` }),
      );
    });
    expect(result.out).toContain('openapi.json and the console client schema match the code');
    expect(result.code).toBe(0);
  });

  it('is served at GET /docs/openapi.json, identical to the committed file, with a page at GET /docs', async () => {
    const json = await gateway.request({ method: 'GET', url: '/docs/openapi.json' });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toEqual(committed);
    expect(committed.openapi).toBe('3.1.0');
    const page = await gateway.request({ method: 'GET', url: '/docs' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');
    // The page loads its script from the gateway itself, never from a CDN.
    expect(page.body).not.toMatch(/https?:\/\/(cdn|unpkg|cdnjs)/);
  });

  it('documents every public route the gateway serves, and only those', () => {
    const fastify = gateway.app.getHttpAdapter().getInstance();
    type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
    const documented = Object.entries(committed.paths).flatMap(([p, ops]) =>
      Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`),
    );
    // Every documented operation is a real route...
    for (const op of documented) {
      const [method, p] = op.split(' ') as [Method, string];
      expect({ op, served: fastify.hasRoute({ method, url: p.replace(/\{(\w+)\}/g, ':$1') }) }).toEqual({
        op,
        served: true,
      });
    }
    // ...and every served /api/v1 route is documented. Fastify prints its routes as a tree; rebuild full paths.
    const served: string[] = [];
    const stack: string[] = [];
    for (const line of fastify.printRoutes({ commonPrefix: false }).split('\n')) {
      const m = /^([│ ]*)[├└]── (\S+) \(([A-Z, ]+)\)/.exec(line);
      if (!m) continue;
      const depth = m[1].length / 4;
      stack[depth] = `${depth > 0 ? stack[depth - 1] : ''}${m[2]}`;
      stack.length = depth + 1;
      if (!stack[depth].startsWith('/api/v1/')) continue;
      for (const method of m[3].split(', ').filter((x) => x !== 'HEAD')) {
        served.push(`${method} ${stack[depth].replace(/:(\w+)/g, '{$1}')}`);
      }
    }
    expect([...new Set(served)].sort()).toEqual([...documented].sort());
  });

  it('describes bearer security, the Idempotency-Key header and the error body on the routes', () => {
    const doc = committed as unknown as {
      components: { securitySchemes: Record<string, { scheme: string }>; schemas: Record<string, unknown> };
      paths: Record<
        string,
        Record<string, { security?: unknown[]; parameters?: { name: string }[]; responses: Record<string, unknown> }>
      >;
    };
    expect(doc.components.securitySchemes['bearer']?.scheme).toBe('bearer');
    expect(doc.components.schemas['ErrorResponse']).toBeDefined();
    const create = doc.paths['/api/v1/orders']['post'];
    expect(create.security).toEqual([{ bearer: [] }]);
    expect(create.parameters?.map((p) => p.name)).toContain('Idempotency-Key');
    expect(Object.keys(create.responses)).toEqual(expect.arrayContaining(['201', '400', '401', '403', '422']));
  });
});
