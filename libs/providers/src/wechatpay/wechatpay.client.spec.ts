import { type KeyObject, generateKeyPairSync } from 'node:crypto';
import { Money } from '@shop/money';
import { WechatPayClient, cutDescription } from './wechatpay.client';
import type { WechatPayClientConfig } from './wechatpay.config';
import { parseWechatpayAuthorization, signWechatpayMessage, verifyWechatpayRequest } from './wechatpay-signer';

const APP_ID = 'wx8888888888888888';
const MCH_ID = '1900000001';
const CERT_SERIAL = '3775B6A45ACD588826D15E583A95F5DD2C6A8EB5';
const PUB_KEY_ID = 'PUB_KEY_ID_0119000000012025112700000000000001';
// 2026-11-27 10:00:00 in China
const NOW = new Date('2026-11-27T02:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);

const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });

function config(overrides: Partial<WechatPayClientConfig> = {}): WechatPayClientConfig {
  return {
    appId: APP_ID,
    mchId: MCH_ID,
    privateKey: merchant.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    certSerial: CERT_SERIAL,
    platformKeys: { [PUB_KEY_ID]: platform.publicKey.export({ format: 'pem', type: 'spki' }) as string },
    baseUrl: 'https://api.mch.weixin.qq.com',
    ...overrides,
  };
}

describe('WechatPayClient configuration', () => {
  it('refuses no platform keys and missing ids', () => {
    expect(() => new WechatPayClient(config({ platformKeys: {} }))).toThrow(
      expect.objectContaining({ code: 'PROVIDER_CONFIG_INVALID' }),
    );
    expect(() => new WechatPayClient(config({ mchId: ' ' }))).toThrow(
      expect.objectContaining({ code: 'PROVIDER_CONFIG_INVALID' }),
    );
    expect(() => new WechatPayClient(config({ certSerial: '' }))).toThrow(
      expect.objectContaining({ code: 'PROVIDER_CONFIG_INVALID' }),
    );
  });
});

/** A fake WeChat Pay answer, signed like the real one unless told otherwise. */
function answer(
  status: number,
  body: string,
  options: { key?: KeyObject; serial?: string; timestamp?: number; unsigned?: boolean } = {},
): Response {
  const headers = new Headers();
  if (body !== '') headers.set('content-type', 'application/json');
  if (options.unsigned !== true) {
    const timestamp = String(options.timestamp ?? NOW_S);
    headers.set('wechatpay-timestamp', timestamp);
    headers.set('wechatpay-nonce', 'RESPONSE_NONCE');
    headers.set('wechatpay-serial', options.serial ?? PUB_KEY_ID);
    headers.set(
      'wechatpay-signature',
      signWechatpayMessage(timestamp, 'RESPONSE_NONCE', body, options.key ?? platform.privateKey),
    );
  }
  return new Response(status === 204 ? null : body, { status, headers });
}

interface Captured {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
}

function fakeFetch(reply: (request: Captured) => Response): { fetch: typeof fetch; calls: Captured[] } {
  const calls: Captured[] = [];
  const fn = (async (url: string | URL, init?: RequestInit) => {
    const captured: Captured = {
      url: String(url),
      method: init?.method ?? 'GET',
      headers: Object.fromEntries(new Headers(init?.headers).entries()),
      body: typeof init?.body === 'string' ? init.body : '',
    };
    calls.push(captured);
    return reply(captured);
  }) as typeof fetch;
  return { fetch: fn, calls };
}

function withFetch(reply: (request: Captured) => Response) {
  const fake = fakeFetch(reply);
  return { client: new WechatPayClient(config(), { now: () => NOW, fetch: fake.fetch }), calls: fake.calls };
}

function expectSignedByMerchant(call: Captured): void {
  const url = new URL(call.url);
  const auth = parseWechatpayAuthorization(call.headers.authorization)!;
  expect(auth).toMatchObject({ mchId: MCH_ID, serialNo: CERT_SERIAL, timestamp: String(NOW_S) });
  expect(auth.nonce).toMatch(/^[A-Z0-9]{32}$/);
  expect(verifyWechatpayRequest(call.method, `${url.pathname}${url.search}`, call.body, auth, merchant.publicKey)).toBe(
    true,
  );
  expect(call.headers['user-agent']).toBeTruthy();
  expect(call.headers.accept).toBe('application/json');
}

describe('WechatPayClient.createPayment (native)', () => {
  const request = {
    orderNo: 'ORD_1001',
    amount: Money.of(1230, 'CNY'),
    subject: 'Order 1001',
    method: 'native' as const,
    notifyUrl: 'https://shop.example/notify/wechatpay',
  };

  it('POSTs the exact signed JSON and returns the code_url', async () => {
    const { client: native, calls } = withFetch(() =>
      answer(200, '{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}'),
    );
    const result = await native.createPayment({ ...request, expiresAt: new Date(NOW.getTime() + 15 * 60_000) });
    expect(result).toEqual({ kind: 'code-url', codeUrl: 'weixin://wxpay/bizpayurl?pr=p4lpSuKzz' });
    expect(calls).toHaveLength(1);
    expect(calls[0].url).toBe('https://api.mch.weixin.qq.com/v3/pay/transactions/native');
    expect(calls[0].method).toBe('POST');
    expect(calls[0].headers['content-type']).toMatch(/^application\/json/);
    expect(calls[0].body).toBe(
      JSON.stringify({
        appid: APP_ID,
        mchid: MCH_ID,
        description: 'Order 1001',
        out_trade_no: 'ORD_1001',
        time_expire: '2026-11-27T10:15:00+08:00',
        notify_url: 'https://shop.example/notify/wechatpay',
        amount: { total: 1230, currency: 'CNY' },
      }),
    );
    expectSignedByMerchant(calls[0]);
  });

  it('writes the deadline as an RFC 3339 time_expire in China time, and refuses an invalid one', async () => {
    const { client: native, calls } = withFetch(() => answer(200, '{"code_url":"weixin://x"}'));
    await native.createPayment({ ...request, expiresAt: new Date('2026-11-27T03:00:00Z') });
    expect(JSON.parse(calls[0].body).time_expire).toBe('2026-11-27T11:00:00+08:00');
    await expect(native.createPayment({ ...request, expiresAt: new Date('soon') })).rejects.toMatchObject({
      code: 'PROVIDER_REQUEST_INVALID',
    });
  });

  it('refuses what WeChat Pay would refuse, before calling it', async () => {
    const { client: native, calls } = withFetch(() => answer(200, '{"code_url":"weixin://x"}'));
    const invalid = [
      { ...request, orderNo: 'ORD1' },
      { ...request, orderNo: 'ORD.1001' },
      { ...request, amount: Money.of(1230, 'USD') },
      { ...request, subject: '   ' },
      { ...request, notifyUrl: 'http://shop.example/notify' },
      { ...request, notifyUrl: 'https://shop.example/notify?order=1' },
    ];
    for (const bad of invalid) {
      await expect(native.createPayment(bad)).rejects.toMatchObject({ code: 'PROVIDER_REQUEST_INVALID' });
    }
    await expect(native.createPayment({ ...request, method: 'qr' })).rejects.toMatchObject({
      code: 'PROVIDER_METHOD_UNSUPPORTED',
    });
    expect(calls).toHaveLength(0);
  });

  it('refuses unsigned, badly signed, stale or unknown-serial answers', async () => {
    const body = '{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}';
    for (const options of [
      { unsigned: true },
      { key: merchant.privateKey },
      { timestamp: NOW_S - 301 },
      { serial: 'PUB_KEY_ID_OTHER' },
    ]) {
      const { client: native } = withFetch(() => answer(200, body, options));
      await expect(native.createPayment(request)).rejects.toMatchObject({
        code: 'PROVIDER_ANSWER_SIGNATURE_INVALID',
      });
    }
  });

  it('reports refusals and outages with stable codes', async () => {
    const refused = withFetch(() => answer(400, '{"code":"PARAM_ERROR","message":"bad"}')).client;
    await expect(refused.createPayment(request)).rejects.toMatchObject({
      code: 'PROVIDER_REJECTED',
      details: expect.objectContaining({ code: 'PARAM_ERROR', status: 400 }),
    });
    const down = withFetch(() => answer(500, '{"code":"SYSTEM_ERROR","message":"busy"}')).client;
    await expect(down.createPayment(request)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    const unreachable = new WechatPayClient(config(), {
      now: () => NOW,
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    await expect(unreachable.createPayment(request)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    const slow = new WechatPayClient(config(), {
      now: () => NOW,
      timeoutMs: 20,
      fetch: ((_url: string, init?: RequestInit) =>
        new Promise((_resolve, reject) =>
          init?.signal?.addEventListener('abort', () => reject(init.signal?.reason as Error)),
        )) as typeof fetch,
    });
    await expect(slow.createPayment(request)).rejects.toMatchObject({ code: 'PROVIDER_TIMEOUT' });
  });
});

describe('WechatPayClient.queryPayment and closePayment', () => {
  const queried = (state: string, extra: Record<string, unknown> = {}) =>
    JSON.stringify({
      amount: { total: 1230, currency: 'CNY', payer_currency: 'CNY' },
      appid: APP_ID,
      mchid: MCH_ID,
      out_trade_no: 'ORD_1001',
      trade_type: 'NATIVE',
      trade_state: state,
      trade_state_desc: state,
      ...extra,
    });

  it('GETs the signed query URL and maps SUCCESS to paid with transaction id, amount and time', async () => {
    const { client, calls } = withFetch(() =>
      answer(
        200,
        queried('SUCCESS', {
          transaction_id: '4200000000202611271234567890',
          success_time: '2026-11-27T09:59:58+08:00',
        }),
      ),
    );
    const result = await client.queryPayment('ORD_1001');
    expect(calls[0].url).toBe(
      'https://api.mch.weixin.qq.com/v3/pay/transactions/out-trade-no/ORD_1001?mchid=1900000001',
    );
    expect(calls[0].method).toBe('GET');
    expect(calls[0].body).toBe('');
    expectSignedByMerchant(calls[0]);
    expect(result).toMatchObject({
      status: 'paid',
      providerTransactionId: '4200000000202611271234567890',
      providerStatus: 'SUCCESS',
    });
    expect(result.amount?.equals(Money.of(1230, 'CNY'))).toBe(true);
    expect(result.paidAt?.toISOString()).toBe('2026-11-27T01:59:58.000Z');
  });

  it.each([
    ['NOTPAY', 'pending'],
    ['USERPAYING', 'pending'],
    ['CLOSED', 'closed'],
    ['REVOKED', 'closed'],
    ['PAYERROR', 'failed'],
  ])('maps %s to %s', async (state, status) => {
    const { client } = withFetch(() => answer(200, queried(state)));
    expect(await client.queryPayment('ORD_1001')).toEqual({ status, providerStatus: state });
  });

  it('maps 404 ORDER_NOT_EXIST to not-found, and refuses an answer about another order', async () => {
    const missing = withFetch(() => answer(404, '{"code":"ORDER_NOT_EXIST","message":"订单不存在"}')).client;
    expect(await missing.queryPayment('ORD_1001')).toEqual({ status: 'not-found', providerStatus: 'ORDER_NOT_EXIST' });
    const forged = withFetch(() =>
      answer(404, '{"code":"ORDER_NOT_EXIST","message":"x"}', { key: merchant.privateKey }),
    );
    await expect(forged.client.queryPayment('ORD_1001')).rejects.toMatchObject({
      code: 'PROVIDER_ANSWER_SIGNATURE_INVALID',
    });
    const other = withFetch(() => answer(200, queried('NOTPAY', { out_trade_no: 'ORD_9999' }))).client;
    await expect(other.queryPayment('ORD_1001')).rejects.toMatchObject({ code: 'PROVIDER_ANSWER_INVALID' });
  });

  it('closes with a signed POST {mchid} and a signed empty 204', async () => {
    const { client, calls } = withFetch(() => answer(204, ''));
    await client.closePayment('ORD_1001');
    expect(calls[0].url).toBe('https://api.mch.weixin.qq.com/v3/pay/transactions/out-trade-no/ORD_1001/close');
    expect(calls[0].body).toBe('{"mchid":"1900000001"}');
    expectSignedByMerchant(calls[0]);
    const missing = withFetch(() => answer(404, '{"code":"ORDER_NOT_EXIST","message":"订单不存在"}')).client;
    await expect(missing.closePayment('ORD_1001')).resolves.toBeUndefined();
    const unsigned = withFetch(() => answer(204, '', { unsigned: true })).client;
    await expect(unsigned.closePayment('ORD_1001')).rejects.toMatchObject({
      code: 'PROVIDER_ANSWER_SIGNATURE_INVALID',
    });
  });
});

describe('cutDescription', () => {
  it('cuts a description at 127 UTF-16 units without splitting a character or an emoji cluster', () => {
    expect(cutDescription('  Order 1001  ')).toBe('Order 1001');
    expect(cutDescription('a'.repeat(127))).toBe('a'.repeat(127));
    expect(cutDescription('a'.repeat(200))).toHaveLength(127);
    const emoji = `${'b'.repeat(126)}😀tail`; // the surrogate pair would straddle the limit
    expect(cutDescription(emoji)).toBe('b'.repeat(126));
    const family = `${'c'.repeat(120)}👨‍👩‍👧‍👦`; // 11 units: the whole cluster does not fit
    expect(cutDescription(family)).toBe('c'.repeat(120));
    const chinese = '中'.repeat(130);
    expect(cutDescription(chinese)).toBe('中'.repeat(127));
    const combining = `${'d'.repeat(126)}e\u0301`; // "é" as e + combining acute: kept or dropped together
    expect(cutDescription(combining)).toBe('d'.repeat(126));
  });
});
