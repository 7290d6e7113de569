// The local tooling without the system: what `npm start` computes for the four payment providers
// (scripts/lib/dev-env.mjs) and how `npm run simulate` drives the simulators' control APIs (against stand-in
// control servers here; the real simulators are covered by their own specs and startup.int-spec.ts).
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { callDevEnv, callScriptLib } from './startup-dev-env';

const ROOT = path.resolve(__dirname, '..');

type Env = Record<string, string>;
interface Simulator {
  name: string;
  provider: string;
  port: number;
  url: string;
  entry: string;
  readyPath: string;
  env: Env;
}
interface ProviderStatus {
  name: string;
  mode: 'simulator' | 'configured';
  enabled: boolean;
  detail: string;
}
interface DevEnvironment {
  serviceEnv: Env;
  simulators: Simulator[];
  providers: ProviderStatus[];
}

// Stand-ins for the generated secrets: devEnvironment only passes them on, so marked strings show where each goes.
const SECRETS = {
  jwtSecret: 'secret-jwt-0123456789abcdef0123456789abcdef',
  alipay: {
    appId: '2021000100000001',
    sellerId: '2088000100000001',
    appPrivateKey: 'secret-alipay-app-private',
    appPublicKey: 'alipay-app-public',
    alipayPrivateKey: 'secret-alipay-platform-private',
    alipayPublicKey: 'alipay-platform-public',
  },
  wechatpay: {
    appId: 'wx00000000000000a1',
    mchId: '1900000109',
    apiV3Key: 'secret-wechat-apiv3-0123456789ab',
    merchantPrivateKey: 'secret-wechat-merchant-private',
    merchantPublicKey: 'wechat-merchant-public',
    merchantCertSerial: '1A2B3C4D5E6F708192A3B4C5D6E7F8091A2B3C4D',
    platformPrivateKey: 'secret-wechat-platform-private',
    platformPublicKey: 'wechat-platform-public',
    publicKeyId: 'PUB_KEY_ID_0100000000000000000000000000000001',
  },
  unionpay: {
    merId: '777290058110048',
    rootCert: 'unionpay-root-cert',
    middleCert: 'unionpay-middle-cert',
    signCert: 'unionpay-sign-cert',
    signPrivateKey: 'secret-unionpay-sign-private',
    merchantCert: 'unionpay-merchant-cert',
    merchantPrivateKey: 'secret-unionpay-merchant-private',
    merchantCertId: '69027312341234567',
  },
  stripe: { secretKey: 'sk_test_secretStripeKey', webhookSecret: 'whsec_secretStripeWebhook' },
};
const SECRET_VALUES = JSON.stringify(SECRETS).match(/(secret|sk_test|whsec)[^"]*/g)!;

/** Every variable the services read, per provider (the same names in payment-gateway and notification-ingest). */
const SERVICE_VARIABLES: Record<string, string[]> = {
  alipay: ['ALIPAY_APP_ID', 'ALIPAY_SELLER_ID', 'ALIPAY_PRIVATE_KEY', 'ALIPAY_PUBLIC_KEY', 'ALIPAY_GATEWAY_URL'],
  wechatpay: [
    'WECHATPAY_APP_ID',
    'WECHATPAY_MCH_ID',
    'WECHATPAY_API_V3_KEY',
    'WECHATPAY_PRIVATE_KEY',
    'WECHATPAY_CERT_SERIAL',
    'WECHATPAY_PUBLIC_KEY',
    'WECHATPAY_PUBLIC_KEY_ID',
    'WECHATPAY_BASE_URL',
  ],
  unionpay: [
    'UNIONPAY_MER_ID',
    'UNIONPAY_SIGN_PRIVATE_KEY',
    'UNIONPAY_SIGN_CERT_ID',
    'UNIONPAY_ROOT_CERT',
    'UNIONPAY_MIDDLE_CERT',
    'UNIONPAY_GATEWAY_URL',
  ],
  stripe: ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_API_BASE_URL'],
};

/** What each simulator process requires (its *.main.ts). */
const SIMULATOR_VARIABLES: Record<string, string[]> = {
  alipay: ['ALIPAY_APP_ID', 'ALIPAY_SELLER_ID', 'ALIPAY_SIM_APP_PUBLIC_KEY', 'ALIPAY_SIM_PRIVATE_KEY'],
  wechatpay: [
    'WECHATPAY_APP_ID',
    'WECHATPAY_MCH_ID',
    'WECHATPAY_API_V3_KEY',
    'WECHATPAY_SIM_MERCHANT_PUBLIC_KEY',
    'WECHATPAY_SIM_MERCHANT_CERT_SERIAL',
    'WECHATPAY_SIM_PRIVATE_KEY',
    'WECHATPAY_SIM_PUBLIC_KEY_ID',
  ],
  unionpay: [
    'UNIONPAY_MER_ID',
    'UNIONPAY_SIM_MERCHANT_CERT',
    'UNIONPAY_SIM_SIGN_KEY',
    'UNIONPAY_SIM_SIGN_CERT',
    'UNIONPAY_SIM_MIDDLE_CERT',
  ],
  stripe: ['STRIPE_SECRET_KEY', 'STRIPE_WEBHOOK_SECRET', 'STRIPE_SIM_WEBHOOK_URL'],
};

const ALL_PROVIDERS = ['alipay', 'wechatpay', 'unionpay', 'stripe'];

const local = (env: Env = {}): Promise<DevEnvironment> =>
  callDevEnv<DevEnvironment>('devEnvironment', env, SECRETS, { notificationIngest: '3001' });

describe("devEnvironment: npm start's provider configuration", () => {
  it('with nothing set, fills every provider variable and lists the four simulators on 3100-3103', async () => {
    const { serviceEnv, simulators, providers } = await local();
    for (const provider of ALL_PROVIDERS) {
      for (const name of SERVICE_VARIABLES[provider]) {
        expect({ name, set: typeof serviceEnv[name] === 'string' && serviceEnv[name] !== '' }).toEqual({
          name,
          set: true,
        });
      }
    }
    expect(simulators.map((s) => [s.name, s.port, s.url, s.readyPath, s.entry])).toEqual([
      [
        'alipay-simulator',
        3100,
        'http://127.0.0.1:3100',
        '/_simulator/alipay/trades',
        'dist/libs/provider-simulators/src/alipay/alipay-simulator.main.js',
      ],
      [
        'wechatpay-simulator',
        3101,
        'http://127.0.0.1:3101',
        '/_simulator/wechatpay/trades',
        'dist/libs/provider-simulators/src/wechatpay/wechatpay-simulator.main.js',
      ],
      [
        'unionpay-simulator',
        3102,
        'http://127.0.0.1:3102',
        '/_simulator/unionpay/trades',
        'dist/libs/provider-simulators/src/unionpay/unionpay-simulator.main.js',
      ],
      [
        'stripe-simulator',
        3103,
        'http://127.0.0.1:3103',
        '/_simulator/stripe/sessions',
        'dist/libs/provider-simulators/src/stripe/stripe-simulator.main.js',
      ],
    ]);
    expect(providers.map((p) => [p.name, p.mode, p.enabled])).toEqual(
      ALL_PROVIDERS.map((name) => [name, 'simulator', true]),
    );
  });

  it('points the services at the simulators and the Stripe simulator at our webhook endpoint', async () => {
    const { serviceEnv, simulators } = await local();
    expect(serviceEnv).toMatchObject({
      CALLBACK_BASE_URL: 'http://127.0.0.1:3001',
      ALIPAY_GATEWAY_URL: 'http://127.0.0.1:3100/gateway.do',
      WECHATPAY_BASE_URL: 'http://127.0.0.1:3101',
      UNIONPAY_GATEWAY_URL: 'http://127.0.0.1:3102',
      STRIPE_API_BASE_URL: 'http://127.0.0.1:3103',
    });
    const stripe = simulators.find((s) => s.provider === 'stripe')!;
    expect(stripe.env.STRIPE_SIM_WEBHOOK_URL).toBe('http://127.0.0.1:3001/callbacks/stripe');
    const behindTunnel = (await local({ CALLBACK_BASE_URL: 'https://tunnel.example' })).simulators;
    expect(behindTunnel.find((s) => s.provider === 'stripe')!.env.STRIPE_SIM_WEBHOOK_URL).toBe(
      'https://tunnel.example/callbacks/stripe',
    );
  });

  it("gives each simulator every variable its process requires, matching the services' side", async () => {
    const { serviceEnv, simulators } = await local();
    for (const simulator of simulators) {
      const required = SIMULATOR_VARIABLES[simulator.provider];
      expect(Object.keys(simulator.env)).toEqual(expect.arrayContaining(required));
      for (const name of required) expect({ name, value: simulator.env[name] }).not.toEqual({ name, value: '' });
    }
    const env = (provider: string) => simulators.find((s) => s.provider === provider)!.env;
    // The pairs that must belong together, or every signature fails.
    expect(env('alipay').ALIPAY_SIM_APP_PUBLIC_KEY).toBe(SECRETS.alipay.appPublicKey);
    expect(serviceEnv.ALIPAY_PRIVATE_KEY).toBe(SECRETS.alipay.appPrivateKey);
    expect(env('wechatpay')).toMatchObject({
      WECHATPAY_APP_ID: serviceEnv.WECHATPAY_APP_ID,
      WECHATPAY_MCH_ID: serviceEnv.WECHATPAY_MCH_ID,
      WECHATPAY_API_V3_KEY: serviceEnv.WECHATPAY_API_V3_KEY,
      WECHATPAY_SIM_MERCHANT_CERT_SERIAL: serviceEnv.WECHATPAY_CERT_SERIAL,
      WECHATPAY_SIM_PUBLIC_KEY_ID: serviceEnv.WECHATPAY_PUBLIC_KEY_ID,
      WECHATPAY_SIM_MERCHANT_PUBLIC_KEY: SECRETS.wechatpay.merchantPublicKey,
      WECHATPAY_SIM_PRIVATE_KEY: SECRETS.wechatpay.platformPrivateKey,
      WECHATPAY_SIM_PORT: '3101',
    });
    expect(serviceEnv).toMatchObject({
      WECHATPAY_PRIVATE_KEY: SECRETS.wechatpay.merchantPrivateKey,
      WECHATPAY_PUBLIC_KEY: SECRETS.wechatpay.platformPublicKey,
    });
    expect(env('unionpay')).toMatchObject({
      UNIONPAY_MER_ID: serviceEnv.UNIONPAY_MER_ID,
      UNIONPAY_SIM_MERCHANT_CERT: SECRETS.unionpay.merchantCert,
      UNIONPAY_SIM_SIGN_KEY: SECRETS.unionpay.signPrivateKey,
      UNIONPAY_SIM_SIGN_CERT: SECRETS.unionpay.signCert,
      UNIONPAY_SIM_MIDDLE_CERT: serviceEnv.UNIONPAY_MIDDLE_CERT,
      UNIONPAY_SIM_PORT: '3102',
    });
    expect(serviceEnv).toMatchObject({
      UNIONPAY_SIGN_PRIVATE_KEY: SECRETS.unionpay.merchantPrivateKey,
      UNIONPAY_SIGN_CERT_ID: SECRETS.unionpay.merchantCertId,
      UNIONPAY_ROOT_CERT: SECRETS.unionpay.rootCert,
    });
    expect(env('stripe')).toMatchObject({
      STRIPE_SECRET_KEY: serviceEnv.STRIPE_SECRET_KEY,
      STRIPE_WEBHOOK_SECRET: serviceEnv.STRIPE_WEBHOOK_SECRET,
      STRIPE_SIM_PORT: '3103',
    });
  });

  it('moves a simulator and the URLs that point at it with <PROVIDER>_SIM_PORT', async () => {
    const { serviceEnv, simulators } = await local({
      ALIPAY_SIM_PORT: '4100',
      WECHATPAY_SIM_PORT: '4101',
      UNIONPAY_SIM_PORT: '4102',
      STRIPE_SIM_PORT: '4103',
    });
    expect(simulators.map((s) => s.port)).toEqual([4100, 4101, 4102, 4103]);
    expect(simulators.map((s) => s.env[`${s.provider.toUpperCase()}_SIM_PORT`])).toEqual([
      '4100',
      '4101',
      '4102',
      '4103',
    ]);
    expect(serviceEnv).toMatchObject({
      ALIPAY_GATEWAY_URL: 'http://127.0.0.1:4100/gateway.do',
      WECHATPAY_BASE_URL: 'http://127.0.0.1:4101',
      UNIONPAY_GATEWAY_URL: 'http://127.0.0.1:4102',
      STRIPE_API_BASE_URL: 'http://127.0.0.1:4103',
    });
  });

  it.each([
    ['alipay', 'ALIPAY_GATEWAY_URL', 'https://openapi.alipay.com/gateway.do'],
    ['alipay', 'ALIPAY_APP_ID', '2021000000000042'],
    ['wechatpay', 'WECHATPAY_BASE_URL', 'https://api.mch.weixin.qq.com'],
    ['wechatpay', 'WECHATPAY_APP_ID', 'wx1234567890abcdef'],
    ['unionpay', 'UNIONPAY_GATEWAY_URL', 'https://gateway.95516.com/gateway/api'],
    ['unionpay', 'UNIONPAY_MER_ID', '898000000000042'],
    ['stripe', 'STRIPE_API_BASE_URL', 'https://api.stripe.com'],
    ['stripe', 'STRIPE_SECRET_KEY', 'sk_test_configured'],
    ['stripe', 'STRIPE_WEBHOOK_SECRET', 'whsec_configured'],
  ])(
    'a provider configured in the environment (%s by %s) gets no simulator and keeps its values',
    async (provider, name, value) => {
      const { serviceEnv, simulators, providers } = await local({ [name]: value });
      expect(simulators.map((s) => s.provider)).toEqual(ALL_PROVIDERS.filter((p) => p !== provider));
      // Nothing of the simulated setup leaks into a configured provider: the environment passes through as it is.
      expect(SERVICE_VARIABLES[provider].filter((v) => v in serviceEnv)).toEqual([]);
      expect(providers.find((p) => p.name === provider)).toMatchObject({ mode: 'configured' });
    },
  );

  it('says how each configured provider runs, never showing a secret or URL credentials', async () => {
    const { providers, simulators } = await local({
      ALIPAY_APP_ID: '2021000000000042',
      ALIPAY_GATEWAY_URL: 'https://user:pass@openapi.alipay.com/gateway.do?token=abc',
      WECHATPAY_BASE_URL: 'https://api.mch.weixin.qq.com',
      UNIONPAY_MER_ID: '898000000000042',
      STRIPE_SECRET_KEY: 'sk_test_configured',
    });
    expect(simulators).toEqual([]);
    expect(Object.fromEntries(providers.map((p) => [p.name, [p.enabled, p.detail]]))).toEqual({
      alipay: [true, 'gateway https://openapi.alipay.com/gateway.do'],
      wechatpay: [false, 'WECHATPAY_BASE_URL is set but WECHATPAY_APP_ID is not'],
      unionpay: [true, 'gateway (UNIONPAY_GATEWAY_URL unset)'],
      stripe: [true, 'payments via API https://api.stripe.com, no webhooks (STRIPE_WEBHOOK_SECRET unset)'],
    });
    const shown = JSON.stringify([providers, (await local()).providers]);
    for (const secret of [...SECRET_VALUES, 'sk_test_configured', 'pass', 'token']) expect(shown).not.toContain(secret);
  });

  it('lets JWT_SECRET and CALLBACK_BASE_URL from the environment win', async () => {
    const { serviceEnv } = await local({
      JWT_SECRET: 'mine-0123456789abcdef0123456789abcdef',
      CALLBACK_BASE_URL: 'https://x.example',
    });
    expect(serviceEnv.JWT_SECRET).toBe('mine-0123456789abcdef0123456789abcdef');
    expect(serviceEnv.CALLBACK_BASE_URL).toBe('https://x.example');
    expect((await local()).serviceEnv.JWT_SECRET).toBe(SECRETS.jwtSecret);
  });
});

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function simulate(args: string[], env: Env = {}, input = ''): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['scripts/simulate.mjs', ...args], {
      cwd: ROOT,
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`simulate ${args.join(' ')} timed out\n${stdout}\n${stderr}`));
    }, 20_000);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const ORDER_NO = '20261127093015K7QX2M9D4B';

describe("the services' memory allocator under npm start (scripts/lib/allocator.mjs)", () => {
  interface Allocator {
    env: Record<string, string>;
    note: string;
  }
  let empty: string;
  let withLibrary: string;
  beforeAll(() => {
    empty = mkdtempSync(path.join(tmpdir(), 'no-jemalloc-'));
    withLibrary = mkdtempSync(path.join(tmpdir(), 'jemalloc-'));
    writeFileSync(path.join(withLibrary, 'libjemalloc.so.2'), '');
  });
  afterAll(() => {
    rmSync(empty, { recursive: true, force: true });
    rmSync(withLibrary, { recursive: true, force: true });
  });

  it('preloads the first jemalloc it finds, with settings that return freed pages while idle', async () => {
    const { env, note } = await callScriptLib<Allocator>('allocator.mjs', 'allocatorEnv', {}, [empty, withLibrary]);
    expect(env).toEqual({
      LD_PRELOAD: path.join(withLibrary, 'libjemalloc.so.2'),
      MALLOC_CONF: 'background_thread:true,dirty_decay_ms:2000,muzzy_decay_ms:0,narenas:2',
    });
    expect(note).toBe(`services use jemalloc (${path.join(withLibrary, 'libjemalloc.so.2')})`);
  });

  it('keeps a preload and a MALLOC_CONF already set, jemalloc first and not twice', async () => {
    const library = path.join(withLibrary, 'libjemalloc.so.2');
    const { env } = await callScriptLib<Allocator>(
      'allocator.mjs',
      'allocatorEnv',
      { LD_PRELOAD: `/opt/trace.so ${library}`, MALLOC_CONF: 'narenas:1' },
      [withLibrary],
    );
    expect(env).toEqual({ LD_PRELOAD: `${library}:/opt/trace.so`, MALLOC_CONF: 'narenas:1' });
  });

  it("without jemalloc, says how to install it and pins glibc's mmap threshold", async () => {
    const { env, note } = await callScriptLib<Allocator>('allocator.mjs', 'allocatorEnv', {}, [empty]);
    expect(env).toEqual({ MALLOC_MMAP_THRESHOLD_: '32768' });
    expect(note).toContain('apt-get install libjemalloc2');
  });
});

describe('npm run simulate: usage', () => {
  it.each([
    [[], 'Expected 3 arguments, got 0.'],
    [['alipay', 'pay'], 'Expected 3 arguments, got 2.'],
    [['alipay', 'pay', ORDER_NO, 'extra'], 'Expected 3 arguments, got 4.'],
    [['paypal', 'pay', ORDER_NO], 'Unknown provider "paypal".'],
    [['stripe', 'refund', ORDER_NO], 'Unknown action "refund".'],
    [['wechatpay', 'toString', ORDER_NO], 'Unknown action "toString".'],
    [['unionpay', 'pay', 'ORD-1'], 'Not an order number: "ORD-1".'],
  ])('%j exits 2 with the problem and the usage', async (args, problem) => {
    const result = await simulate(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(problem);
    expect(result.stderr).toContain('Usage: npm run simulate -- <provider> <action> <orderNo>');
    for (const word of [
      'alipay, wechatpay, unionpay, stripe',
      'open',
      'pay',
      'duplicate',
      'tamper',
      'replay',
      'late',
      'refund-notify',
    ]) {
      expect(result.stderr).toContain(word);
    }
    expect(result.stdout).toBe('');
  });

  it('prints the usage with --help and exits 0', async () => {
    const result = await simulate(['--help']);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('Usage: npm run simulate');
    expect(result.stdout).toContain('STRIPE_SIM_PORT 3103');
  });

  it('exits 1 when the simulator does not answer', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    await new Promise((resolve) => server.close(resolve));
    const result = await simulate(['unionpay', 'pay', ORDER_NO], { UNIONPAY_SIM_PORT: String(port) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`The unionpay simulator does not answer at http://127.0.0.1:${port}`);
  });
});

interface Call {
  path: string;
  body: Record<string, unknown>;
}

/** A stand-in for a simulator's control API: records each call and answers with `answer(body)`. */
async function controlServer(
  answer: (body: Record<string, unknown>) => { status: number; json: unknown },
): Promise<{ port: number; calls: Call[]; close: () => Promise<void> }> {
  const calls: Call[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (text += chunk));
    req.on('end', () => {
      const body = JSON.parse(text) as Record<string, unknown>;
      calls.push({ path: `${req.method} ${req.url}`, body });
      const { status, json } = answer(body);
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    calls,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** What a simulator answers: one delivery per concurrent x times, all answered `status body`. */
function delivered(status: number, body: string, type?: string) {
  return (options: Record<string, unknown>) => {
    const count = Number(options.concurrent ?? 1) * Number(options.times ?? 1);
    const deliveries = Array.from({ length: count }, () => ({ status, body, ...(type ? { type } : {}) }));
    return { status: 200, json: { status, body, deliveries } };
  };
}

describe('npm run simulate: what each action asks the simulator for', () => {
  const controlPaths: Record<string, string> = {
    alipay: `/_simulator/alipay/trades/${ORDER_NO}/pay`,
    wechatpay: `/_simulator/wechatpay/trades/${ORDER_NO}/pay`,
    unionpay: `/_simulator/unionpay/trades/${ORDER_NO}/pay`,
    stripe: `/_simulator/stripe/sessions/${ORDER_NO}/pay`,
  };

  async function run(
    provider: string,
    action: string,
    answer: (body: Record<string, unknown>) => { status: number; json: unknown } = delivered(200, 'success'),
  ) {
    const server = await controlServer(answer);
    try {
      const result = await simulate([provider, action, ORDER_NO], {
        [`${provider.toUpperCase()}_SIM_PORT`]: String(server.port),
      });
      const expected =
        action === 'refund-notify'
          ? controlPaths[provider].replace(/\/pay$/, '/refund-notify')
          : controlPaths[provider];
      for (const call of server.calls) expect(call.path).toBe(`POST ${expected}`);
      return { ...result, calls: server.calls.map((c) => c.body) };
    } finally {
      await server.close();
    }
  }

  it.each(ALL_PROVIDERS)('%s pay: one honest notification', async (provider) => {
    const result = await run(provider, 'pay');
    expect(result.calls).toEqual([{}]);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${provider} pay ${ORDER_NO}: 1 delivery(ies)\n  1 x 200 "success"\n`);
  });

  it.each(['alipay', 'unionpay', 'wechatpay'])(
    '%s duplicate: 10 concurrent deliveries of one notification',
    async (provider) => {
      const result = await run(provider, 'duplicate');
      expect(result.calls).toEqual([{ concurrent: 10 }]);
      expect(result.stdout).toContain(': 10 delivery(ies)\n  10 x 200 "success"\n');
    },
  );

  it('stripe duplicate: 10 concurrent deliveries, each signed with its own t= as a Stripe retry', async () => {
    const result = await run('stripe', 'duplicate', delivered(200, '{"received":true}', 'checkout.session.completed'));
    expect(result.calls).toHaveLength(10);
    const timestamps = result.calls.map((c) => c.timestamp as number);
    expect(new Set(timestamps).size).toBe(10);
    for (const t of timestamps) expect(Math.abs(t - Date.now() / 1000)).toBeLessThan(60);
    expect(result.stdout).toContain('10 x checkout.session.completed 200 "{\\"received\\":true}"');
  });

  it.each([
    ['alipay', { tamper: { total_amount: '0.01' } }],
    ['wechatpay', { tamper: { replace: { '"summary":"支付成功"': '"summary":"支付失败"' } } }],
    ['unionpay', { tamper: { txnAmt: '1', settleAmt: '1' } }],
    ['stripe', { tamper: true }],
  ])('%s tamper: changed after signing', async (provider, options) => {
    const result = await run(provider, 'tamper', delivered(400, 'fail'));
    expect(result.calls).toEqual([options]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('1 x 400 "fail"');
  });

  it.each(['alipay', 'unionpay'])('%s replay: the same notification twice (no nonce to replay)', async (provider) => {
    const result = await run(provider, 'replay');
    expect(result.calls).toEqual([{ times: 2 }]);
  });

  it('wechatpay replay: a second delivery with the same timestamp and nonce, byte for byte', async () => {
    const result = await run('wechatpay', 'replay');
    expect(result.calls).toEqual([
      { times: 2, timestamp: expect.any(Number), nonce: expect.stringMatching(/^[0-9A-Z]{32}$/) },
    ]);
    expect(Math.abs((result.calls[0].timestamp as number) - Date.now() / 1000)).toBeLessThan(60);
  });

  it('stripe replay: a second delivery with the same t= and so the same signature', async () => {
    const result = await run('stripe', 'replay');
    expect(result.calls).toEqual([{ times: 2, timestamp: expect.any(Number) }]);
  });

  it.each(ALL_PROVIDERS)('%s late: another payment of the order, a new provider transaction', async (provider) => {
    const result = await run(provider, 'late');
    expect(result.calls).toEqual([{ newTransaction: true }]);
  });

  it.each(ALL_PROVIDERS)(
    '%s refund-notify: the latest refund notified again, at its own control path',
    async (provider) => {
      const result = await run(provider, 'refund-notify');
      expect(result.calls).toEqual([{}]);
      expect(result.code).toBe(0);
      expect(result.stdout).toContain(`${provider} refund-notify ${ORDER_NO}: 1 delivery(ies)`);
    },
  );

  it('exits 1 with the reason and a hint when the simulator refuses', async () => {
    const result = await run('wechatpay', 'pay', () => ({
      status: 404,
      json: { error: `No trade with out_trade_no "${ORDER_NO}"`, code: 'SIMULATOR_TRADE_NOT_FOUND' },
    }));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`The wechatpay simulator refused (404): No trade with out_trade_no "${ORDER_NO}"`);
    expect(result.stderr).toContain('Start a wechatpay payment for the order first');
  });
});

describe("npm run simulate: open, the buyer's browser step", () => {
  /** A stand-in simulator page: records what the "browser" sent. */
  async function pageServer(status = 200, page = '<main>cashier</main>') {
    const requests: { method: string; url: string; type: string; body: string }[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => {
        requests.push({ method: req.method!, url: req.url!, type: req.headers['content-type'] ?? '', body });
        res.writeHead(status, { 'content-type': 'text/html' });
        res.end(page);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { base, requests, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
  }

  it("posts UnionPay's signed form, read from the start-payment answer on stdin, to the simulator", async () => {
    const page = await pageServer();
    try {
      const fields = { orderId: ORDER_NO, txnAmt: '1230', signature: 'c2lnbmVk+/=' };
      const answer = {
        paymentId: 'p1',
        provider: 'unionpay',
        form: { action: `${page.base}/frontTransReq.do`, fields },
      };
      const result = await simulate(['unionpay', 'open', ORDER_NO], {}, JSON.stringify(answer));
      expect(result.code).toBe(0);
      expect(page.requests).toEqual([
        {
          method: 'POST',
          url: '/frontTransReq.do',
          type: 'application/x-www-form-urlencoded',
          body: new URLSearchParams(fields).toString(),
        },
      ]);
      expect(result.stdout).toContain(`unionpay open ${ORDER_NO}: the simulator shows the payment page (200)`);
    } finally {
      await page.close();
    }
  });

  it("opens Alipay's page.pay URL, and says a QR payment needs no browser step", async () => {
    const page = await pageServer();
    try {
      const opened = await simulate(
        ['alipay', 'open', ORDER_NO],
        {},
        JSON.stringify({ redirectUrl: `${page.base}/gateway.do?x=1` }),
      );
      expect(opened.code).toBe(0);
      expect(page.requests.map((r) => `${r.method} ${r.url}`)).toEqual(['GET /gateway.do?x=1']);
      const qr = await simulate(['wechatpay', 'open', ORDER_NO], {}, JSON.stringify({ codeUrl: 'weixin://wxpay/x' }));
      expect(qr.code).toBe(0);
      expect(qr.stdout).toContain('nothing to open');
    } finally {
      await page.close();
    }
  });

  it('exits 1 when the simulator refuses the form, and never contacts a host that is not local', async () => {
    const page = await pageServer(400, '<main><h1>验证签名失败</h1></main>');
    try {
      const form = { action: `${page.base}/frontTransReq.do`, fields: { orderId: ORDER_NO } };
      const refused = await simulate(['unionpay', 'open', ORDER_NO], {}, JSON.stringify({ form }));
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('refused the payment page (400): 验证签名失败');
    } finally {
      await page.close();
    }
    const remote = { form: { action: 'https://gateway.95516.com/gateway/api/frontTransReq.do', fields: {} } };
    const result = await simulate(['unionpay', 'open', ORDER_NO], {}, JSON.stringify(remote));
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('https://gateway.95516.com is not a local simulator');
  });

  it.each([
    ['no JSON on stdin', '', 'open reads the answer of POST /api/v1/orders/<orderNo>/payments'],
    [
      'another provider',
      JSON.stringify({ provider: 'stripe', checkoutUrl: 'http://127.0.0.1:1/x' }),
      'a stripe payment, not unionpay',
    ],
    [
      'another order',
      JSON.stringify({ form: { action: 'http://127.0.0.1:1/f', fields: { orderId: '20261127093015AAAAAAAAAA' } } }),
      'not 20261127093015K7QX2M9D4B',
    ],
    ['no payment in it', JSON.stringify({ statusCode: 409 }), 'holds no form, redirectUrl'],
  ])('exits 2 on %s', async (_case, input, problem) => {
    const result = await simulate(['unionpay', 'open', ORDER_NO], {}, input);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(problem);
  });
});
