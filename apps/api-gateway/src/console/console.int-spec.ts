import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigError, loadConfig } from '@shop/runtime';
import { startServiceForTest, type RunningService } from '@shop/testing';
import { ApiGatewayConfig } from '../api-gateway.config';
import { verifyToken } from '../auth/jwt';
import { service } from '../service';

// The console's static files and its own routes on the gateway: pages with a strict Content-Security-Policy, the
// browser router's paths answered with the page, assets only from the built folder however the path is spelled,
// and the development helpers (local tokens, the simulate button) present outside production and absent in it.

const SECRET = 'console-secret-0123456789abcdefghijklmnop';
const ROOT = path.resolve(__dirname, '../../../..');

describe('the console on the api-gateway (development)', () => {
  let gateway: RunningService<ApiGatewayConfig>;

  beforeAll(async () => {
    gateway = await startServiceForTest(service, {
      JWT_SECRET: SECRET,
      // Nothing listens on port 1: the simulate route must say the simulator does not answer.
      CONSOLE_SIMULATOR_URLS: 'alipay=http://127.0.0.1:1',
    });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('serves the page at /console/ and at every console path, with a strict Content-Security-Policy', async () => {
    expect((await gateway.request({ url: '/console' })).headers['location']).toBe('/console/');
    for (const url of ['/console/', '/console/checkout/2026120500000001AAAA', '/console/admin/orders?page=2']) {
      const page = await gateway.request({ url });
      expect(page.statusCode).toBe(200);
      expect(page.headers['content-type']).toContain('text/html');
      expect(page.body).toContain('<div id="root">');
      const csp = String(page.headers['content-security-policy']);
      for (const directive of [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "frame-ancestors 'none'",
      ]) {
        expect(csp).toContain(directive);
      }
      expect(csp).not.toContain('unsafe-inline');
    }
  });

  it('serves the built assets, cached for good, and nothing outside them however the path is spelled', async () => {
    const assets = fs.readdirSync(path.join(ROOT, 'dist/console/assets'));
    const script = assets.find((file) => file.endsWith('.js'));
    const asset = await gateway.request({ url: `/console/assets/${script}` });
    expect(asset.statusCode).toBe(200);
    expect(asset.headers['content-type']).toContain('text/javascript');
    expect(asset.headers['cache-control']).toContain('immutable');
    for (const url of [
      '/console/assets/../../package.json',
      '/console/assets/%2e%2e/%2e%2e/package.json',
      '/console/assets/..%2f..%2fpackage.json',
      '/console/assets/..%5c..%5cpackage.json',
      '/console/assets/nothing.js',
      '/console/assets/',
    ]) {
      const answer = await gateway.request({ url });
      expect(answer.body).not.toContain('"name": "shop-payments"');
      if (answer.statusCode === 200) expect(answer.headers['content-type']).toContain('text/html');
      else expect(answer.statusCode).toBe(404);
    }
  });

  it('tells the page about the development sign-in and the simulators', async () => {
    const settings = await gateway.request({ url: '/console/settings.json' });
    expect(settings.json()).toEqual({ devSignIn: true, simulators: ['alipay'] });
  });

  it('issues local tokens for the two roles, and names a bad role', async () => {
    const issued = await gateway.request({ method: 'POST', url: '/console/dev/tokens', payload: { role: 'admin' } });
    expect(issued.statusCode).toBe(200);
    const { token } = issued.json<{ token: string }>();
    expect(verifyToken(SECRET, token)).toEqual({ userId: 'console-admin', roles: ['admin'] });

    const bad = await gateway.request({ method: 'POST', url: '/console/dev/tokens', payload: { role: 'root' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json<{ code: string; message: string }>()).toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(bad.body).toContain('role must be customer or admin');
  });

  it('says when a simulator does not answer, and which providers have none', async () => {
    const down = await gateway.request({ method: 'POST', url: '/console/dev/simulate/alipay/2026120500000001AAAA' });
    expect(down.statusCode).toBe(502);
    expect(down.json()).toMatchObject({ code: 'SIMULATOR_UNAVAILABLE' });
    const none = await gateway.request({ method: 'POST', url: '/console/dev/simulate/stripe/2026120500000001AAAA' });
    expect(none.statusCode).toBe(404);
    const junk = await gateway.request({ method: 'POST', url: '/console/dev/simulate/alipay/..%2F..%2Fetc' });
    expect(junk.statusCode).toBe(400);
  });
});

describe('the console on the api-gateway (production)', () => {
  let gateway: RunningService<ApiGatewayConfig>;

  beforeAll(async () => {
    gateway = await startServiceForTest(service, {
      NODE_ENV: 'production',
      JWT_SECRET: SECRET,
      MANAGEMENT_PORT: '9999',
      DB_PASSWORD: 'unused-with-trust-auth',
      INTERNAL_TOKEN: 'production-internal-token-0123456789abcdef',
    });
  });

  afterAll(async () => {
    await gateway?.stop();
  });

  it('offers no development sign-in and no simulators, and the token route does not exist', async () => {
    expect((await gateway.request({ url: '/console/settings.json' })).json()).toEqual({
      devSignIn: false,
      simulators: [],
    });
    const token = await gateway.request({ method: 'POST', url: '/console/dev/tokens', payload: { role: 'admin' } });
    expect(token.statusCode).toBe(404);
    expect(token.body).not.toMatch(/eyJ/);
    const page = await gateway.request({ url: '/console/' });
    expect(String(page.headers['content-security-policy'])).not.toContain('127.0.0.1');
  });

  it('refuses to start with simulators configured', () => {
    const problems = (() => {
      try {
        loadConfig(ApiGatewayConfig, 'api-gateway', {
          NODE_ENV: 'production',
          JWT_SECRET: SECRET,
          MANAGEMENT_PORT: '9090',
          DB_PASSWORD: 'x',
          INTERNAL_TOKEN: 'production-internal-token-0123456789abcdef',
          CONSOLE_SIMULATOR_URLS: 'alipay=http://127.0.0.1:3100',
        });
      } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
      }
      return [];
    })();
    expect(problems.join('\n')).toContain('CONSOLE_SIMULATOR_URLS must not be set when NODE_ENV=production');
  });
});
