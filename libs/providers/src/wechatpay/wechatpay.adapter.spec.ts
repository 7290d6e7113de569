import { type KeyObject, X509Certificate, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Money } from '@shop/money';
import type { NotificationInput } from '../provider';
import { WechatPayAdapter } from './wechatpay.adapter';
import type { WechatPayConfig } from './wechatpay.config';
import {
  encryptWechatpayResource,
  parseWechatpayAuthorization,
  signWechatpayMessage,
  verifyWechatpayRequest,
} from './wechatpay-signer';

const APP_ID = 'wx8888888888888888';
const MCH_ID = '1900000001';
const API_V3_KEY = 'Q9w8E7r6T5y4U3i2O1p0A9s8D7f6G5h4';
const CERT_SERIAL = '3775B6A45ACD588826D15E583A95F5DD2C6A8EB5';
const PUB_KEY_ID = 'PUB_KEY_ID_0119000000012025112700000000000001';
// 2026-11-27 10:00:00 in China
const NOW = new Date('2026-11-27T02:00:00Z');
const NOW_S = Math.floor(NOW.getTime() / 1000);

const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
let certificate: { privateKey: KeyObject; pem: string; serial: string };
let adapter: WechatPayAdapter;

function config(overrides: Partial<WechatPayConfig> = {}): WechatPayConfig {
  return {
    appId: APP_ID,
    mchId: MCH_ID,
    apiV3Key: API_V3_KEY,
    privateKey: merchant.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string,
    certSerial: CERT_SERIAL,
    platformKeys: {
      [PUB_KEY_ID]: platform.publicKey.export({ format: 'pem', type: 'spki' }) as string,
      [certificate.serial]: certificate.pem,
    },
    baseUrl: 'https://api.mch.weixin.qq.com',
    ...overrides,
  };
}

beforeAll(() => {
  // A platform certificate as WeChat Pay issued them before public keys: made with the openssl CLI, so the test
  // does not share code with the simulator's key generator.
  const dir = mkdtempSync(join(tmpdir(), 'wechatpay-cert-'));
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-sha256',
        '-days',
        '30',
        '-subj',
        '/C=CN/O=Tenpay.com/CN=Tenpay.com Root CA',
        '-set_serial',
        '0x5157F09EFDC096DE15EBE81A47057A7232F1B8E1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
      ],
      { stdio: 'ignore' },
    );
    const pem = readFileSync(join(dir, 'cert.pem'), 'utf8');
    certificate = {
      privateKey: createPrivateKey(readFileSync(join(dir, 'key.pem'))),
      pem,
      serial: new X509Certificate(pem).serialNumber,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  adapter = new WechatPayAdapter(config(), { now: () => NOW });
});

interface NotifyOptions {
  transaction?: Record<string, unknown>;
  eventType?: string;
  key?: KeyObject;
  serial?: string;
  timestamp?: number;
  nonce?: string;
  apiV3Key?: string;
  signature?: string;
  contentType?: string;
}

function transaction(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    mchid: MCH_ID,
    appid: APP_ID,
    out_trade_no: 'ORD_1001',
    transaction_id: '4200000000202611271234567890',
    trade_type: 'NATIVE',
    trade_state: 'SUCCESS',
    trade_state_desc: '支付成功',
    bank_type: 'OTHERS',
    attach: '',
    success_time: '2026-11-27T09:59:58+08:00',
    payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
    amount: { total: 1230, payer_total: 1230, currency: 'CNY', payer_currency: 'CNY' },
    ...overrides,
  };
}

function notify(options: NotifyOptions = {}): NotificationInput & { rawBody: string } {
  const resourceNonce = 'fdasflkja484';
  const rawBody = JSON.stringify({
    id: 'EV-2018022511223320873',
    create_time: '2026-11-27T09:59:59+08:00',
    resource_type: 'encrypt-resource',
    event_type: options.eventType ?? 'TRANSACTION.SUCCESS',
    summary: '支付成功',
    resource: {
      original_type: 'transaction',
      algorithm: 'AEAD_AES_256_GCM',
      ciphertext: encryptWechatpayResource(
        JSON.stringify(options.transaction ?? transaction()),
        options.apiV3Key ?? API_V3_KEY,
        resourceNonce,
        'transaction',
      ),
      associated_data: 'transaction',
      nonce: resourceNonce,
    },
  });
  const timestamp = String(options.timestamp ?? NOW_S - 2);
  const nonce = options.nonce ?? 'fdasfwejfaksdfjakfjslafjwie';
  return {
    rawBody,
    contentType: options.contentType ?? 'application/json',
    headers: {
      'wechatpay-timestamp': timestamp,
      'wechatpay-nonce': nonce,
      'wechatpay-signature':
        options.signature ?? signWechatpayMessage(timestamp, nonce, rawBody, options.key ?? platform.privateKey),
      'wechatpay-serial': options.serial ?? PUB_KEY_ID,
    },
  };
}

function rejection(run: () => unknown): { reason?: string; message: string } {
  try {
    run();
  } catch (error) {
    return error as { reason?: string; message: string };
  }
  throw new Error('expected a rejection');
}

describe('WechatPayAdapter.verifyNotification', () => {
  it('accepts a notification signed with the WeChat Pay public key (PUB_KEY_ID mode) and maps it', () => {
    const input = notify();
    const verified = adapter.verifyNotification(input);
    expect(verified).toMatchObject({
      provider: 'wechatpay',
      notificationKey: 'EV-2018022511223320873',
      kind: 'payment-succeeded',
      orderNo: 'ORD_1001',
      providerTransactionId: '4200000000202611271234567890',
      tradeStatus: 'SUCCESS',
      replayKey: `${NOW_S - 2}:fdasfwejfaksdfjakfjslafjwie`,
    });
    expect(verified.amount.equals(Money.of(1230, 'CNY'))).toBe(true);
    expect(verified.paidAt?.toISOString()).toBe('2026-11-27T01:59:58.000Z');
    expect(JSON.parse(verified.fields.resource)).toEqual(transaction());
    expect(verified.fields['wechatpay-serial']).toBe(PUB_KEY_ID);
    expect(verified.fields.event_type).toBe('TRANSACTION.SUCCESS');
  });

  it('accepts one signed with a platform certificate key, found by the certificate serial (both modes at once)', () => {
    const verified = adapter.verifyNotification(notify({ key: certificate.privateKey, serial: certificate.serial }));
    expect(verified.kind).toBe('payment-succeeded');
    // The certificate key does not verify under the public key id, nor the reverse.
    expect(rejection(() => adapter.verifyNotification(notify({ key: certificate.privateKey }))).reason).toBe(
      'BAD_SIGNATURE',
    );
    expect(rejection(() => adapter.verifyNotification(notify({ serial: certificate.serial }))).reason).toBe(
      'BAD_SIGNATURE',
    );
  });

  it('takes header names in any case', () => {
    const input = notify();
    const headers = Object.fromEntries(
      Object.entries(input.headers).map(([name, value]) => [name.replace(/(^|-)w/g, (m) => m.toUpperCase()), value]),
    );
    expect(adapter.verifyNotification({ ...input, headers }).kind).toBe('payment-succeeded');
  });

  it('refuses a timestamp more than 300 s away, either way, and accepts the edge', () => {
    expect(adapter.verifyNotification(notify({ timestamp: NOW_S - 300 })).kind).toBe('payment-succeeded');
    expect(adapter.verifyNotification(notify({ timestamp: NOW_S + 300 })).kind).toBe('payment-succeeded');
    expect(rejection(() => adapter.verifyNotification(notify({ timestamp: NOW_S - 301 }))).reason).toBe(
      'STALE_TIMESTAMP',
    );
    expect(rejection(() => adapter.verifyNotification(notify({ timestamp: NOW_S + 301 }))).reason).toBe(
      'STALE_TIMESTAMP',
    );
    expect(rejection(() => adapter.verifyNotification(notify({ timestamp: NOW_S - 86_400 }))).reason).toBe(
      'STALE_TIMESTAMP',
    );
  });

  it('answers a SIGNTEST probe with its own reason, before any other check', () => {
    const error = rejection(() =>
      adapter.verifyNotification(notify({ signature: 'WECHATPAY/SIGNTEST/abcdefg==', timestamp: NOW_S - 10_000 })),
    );
    expect(error.reason).toBe('SIGNATURE_PROBE');
    expect(adapter.rejectResponse('SIGNATURE_PROBE').status).toBeGreaterThanOrEqual(400);
  });

  it('refuses an unknown Wechatpay-Serial', () => {
    expect(rejection(() => adapter.verifyNotification(notify({ serial: 'PUB_KEY_ID_0000' }))).reason).toBe(
      'UNKNOWN_SERIAL',
    );
  });

  it('refuses a re-serialised or edited body, a foreign signer, and a wrong content type', () => {
    const input = notify();
    const reserialised = JSON.stringify(JSON.parse(input.rawBody), null, 2);
    expect(rejection(() => adapter.verifyNotification({ ...input, rawBody: reserialised })).reason).toBe(
      'BAD_SIGNATURE',
    );
    expect(rejection(() => adapter.verifyNotification({ ...input, rawBody: `${input.rawBody} ` })).reason).toBe(
      'BAD_SIGNATURE',
    );
    expect(rejection(() => adapter.verifyNotification(notify({ key: merchant.privateKey }))).reason).toBe(
      'BAD_SIGNATURE',
    );
    expect(rejection(() => adapter.verifyNotification(notify({ contentType: 'text/plain' }))).reason).toBe(
      'UNSUPPORTED_CONTENT_TYPE',
    );
  });

  it('refuses missing or repeated headers as MALFORMED', () => {
    const input = notify();
    const { 'wechatpay-nonce': _nonce, ...without } = input.headers;
    expect(rejection(() => adapter.verifyNotification({ ...input, headers: without })).reason).toBe('MALFORMED');
    const repeated = { ...input.headers, 'wechatpay-serial': [PUB_KEY_ID, 'OTHER'] };
    expect(rejection(() => adapter.verifyNotification({ ...input, headers: repeated })).reason).toBe('MALFORMED');
  });

  it('refuses a resource it cannot decrypt (another APIv3 key)', () => {
    const error = rejection(() => adapter.verifyNotification(notify({ apiV3Key: 'x'.repeat(32) })));
    expect(error.reason).toBe('DECRYPT_FAILED');
    expect(adapter.rejectResponse('DECRYPT_FAILED').status).toBe(500);
  });

  it('refuses a validly signed notification for another mchid or appid', () => {
    expect(
      rejection(() => adapter.verifyNotification(notify({ transaction: transaction({ mchid: '1900000002' }) }))).reason,
    ).toBe('FOREIGN_MCH_ID');
    expect(
      rejection(() => adapter.verifyNotification(notify({ transaction: transaction({ appid: 'wx0000000000000000' }) })))
        .reason,
    ).toBe('FOREIGN_APP_ID');
    const { appid: _appid, ...noAppId } = transaction();
    expect(rejection(() => adapter.verifyNotification(notify({ transaction: noAppId }))).reason).toBe('FOREIGN_APP_ID');
  });

  it('refuses amounts that are not CNY fen integers and times without offset', () => {
    for (const amount of [
      { total: 12.3, currency: 'CNY' },
      { total: '1230', currency: 'CNY' },
      { total: 1230, currency: 'USD' },
    ]) {
      expect(rejection(() => adapter.verifyNotification(notify({ transaction: transaction({ amount }) }))).reason).toBe(
        'MALFORMED',
      );
    }
    expect(
      rejection(() =>
        adapter.verifyNotification(notify({ transaction: transaction({ success_time: '2026-11-27 09:59:58' }) })),
      ).reason,
    ).toBe('MALFORMED');
  });

  it('maps other events and states to kind "other"', () => {
    const closed = adapter.verifyNotification(notify({ transaction: transaction({ trade_state: 'CLOSED' }) }));
    expect(closed.kind).toBe('other');
    expect(closed.tradeStatus).toBe('CLOSED');
  });

  it('never puts the APIv3 key or a signature in rejection messages', () => {
    const input = notify({ key: merchant.privateKey });
    const error = rejection(() => adapter.verifyNotification(input));
    expect(error.message).not.toContain(API_V3_KEY);
    expect(error.message).not.toContain(String(input.headers['wechatpay-signature']));
  });
});

describe('WechatPayAdapter answers to WeChat Pay', () => {
  it('acks with 204 and an empty body', () => {
    expect(adapter.ackResponse()).toEqual({ status: 204, contentType: 'text/plain; charset=utf-8', body: '' });
  });

  it('rejects with {"code":"FAIL","message":...}: 401 for signature problems, 400 for malformed, 500 internal', () => {
    const bad = adapter.rejectResponse('BAD_SIGNATURE');
    expect(bad.status).toBe(401);
    expect(JSON.parse(bad.body)).toEqual({ code: 'FAIL', message: 'signature verification failed' });
    expect(adapter.rejectResponse('MALFORMED').status).toBe(400);
    expect(adapter.rejectResponse('FOREIGN_APP_ID').status).toBe(400);
    expect(adapter.rejectResponse('INTERNAL_ERROR').status).toBe(500);
    expect(adapter.rejectResponse('STALE_TIMESTAMP').status).toBe(401);
  });
});

describe('WechatPayAdapter configuration', () => {
  it('refuses a short APIv3 key, no platform keys, a mislabelled certificate, and missing ids', () => {
    expect(() => new WechatPayAdapter(config({ apiV3Key: 'short' }))).toThrow(
      expect.objectContaining({ code: 'PROVIDER_CONFIG_INVALID' }),
    );
    expect(() => new WechatPayAdapter(config({ platformKeys: {} }))).toThrow(
      expect.objectContaining({ code: 'PROVIDER_CONFIG_INVALID' }),
    );
    expect(() => new WechatPayAdapter(config({ platformKeys: { ABCDEF: certificate.pem } }))).toThrow(
      expect.objectContaining({ code: 'PROVIDER_KEY_INVALID' }),
    );
    expect(() => new WechatPayAdapter(config({ mchId: ' ' }))).toThrow(
      expect.objectContaining({ code: 'PROVIDER_CONFIG_INVALID' }),
    );
  });

  it('a verify-only adapter verifies notifications but refuses to sign requests', async () => {
    const verifyOnly = new WechatPayAdapter(
      { appId: APP_ID, mchId: MCH_ID, apiV3Key: API_V3_KEY, platformKeys: { [PUB_KEY_ID]: platform.publicKey } },
      { now: () => NOW },
    );
    expect(verifyOnly.verifyNotification(notify()).kind).toBe('payment-succeeded');
    await expect(verifyOnly.queryPayment('ORD_1001')).rejects.toMatchObject({ code: 'PROVIDER_CONFIG_INVALID' });
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
  return { adapter: new WechatPayAdapter(config(), { now: () => NOW, fetch: fake.fetch }), calls: fake.calls };
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

describe('WechatPayAdapter.createPayment (native)', () => {
  const request = {
    orderNo: 'ORD_1001',
    amount: Money.of(1230, 'CNY'),
    subject: 'Order 1001',
    method: 'native' as const,
    notifyUrl: 'https://shop.example/notify/wechatpay',
  };

  it('POSTs the exact signed JSON and returns the code_url', async () => {
    const { adapter: native, calls } = withFetch(() =>
      answer(200, '{"code_url":"weixin://wxpay/bizpayurl?pr=p4lpSuKzz"}'),
    );
    const result = await native.createPayment({ ...request, timeoutExpress: '15m' });
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

  it('accepts an RFC 3339 time_expire and re-writes it in China time', async () => {
    const { adapter: native, calls } = withFetch(() => answer(200, '{"code_url":"weixin://x"}'));
    await native.createPayment({ ...request, timeoutExpress: '2026-11-27T03:00:00Z' });
    expect(JSON.parse(calls[0].body).time_expire).toBe('2026-11-27T11:00:00+08:00');
    await expect(native.createPayment({ ...request, timeoutExpress: 'soon' })).rejects.toMatchObject({
      code: 'PROVIDER_REQUEST_INVALID',
    });
  });

  it('refuses what WeChat Pay would refuse, before calling it', async () => {
    const { adapter: native, calls } = withFetch(() => answer(200, '{"code_url":"weixin://x"}'));
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
      const { adapter: native } = withFetch(() => answer(200, body, options));
      await expect(native.createPayment(request)).rejects.toMatchObject({
        code: 'PROVIDER_ANSWER_SIGNATURE_INVALID',
      });
    }
  });

  it('reports refusals and outages with stable codes', async () => {
    const refused = withFetch(() => answer(400, '{"code":"PARAM_ERROR","message":"bad"}')).adapter;
    await expect(refused.createPayment(request)).rejects.toMatchObject({
      code: 'PROVIDER_REJECTED',
      details: expect.objectContaining({ code: 'PARAM_ERROR', status: 400 }),
    });
    const down = withFetch(() => answer(500, '{"code":"SYSTEM_ERROR","message":"busy"}')).adapter;
    await expect(down.createPayment(request)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    const unreachable = new WechatPayAdapter(config(), {
      now: () => NOW,
      fetch: () => Promise.reject(new TypeError('fetch failed')),
    });
    await expect(unreachable.createPayment(request)).rejects.toMatchObject({ code: 'PROVIDER_UNAVAILABLE' });
    const slow = new WechatPayAdapter(config(), {
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

describe('WechatPayAdapter.queryPayment and closePayment', () => {
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
    const { adapter: client, calls } = withFetch(() =>
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
    const { adapter: client } = withFetch(() => answer(200, queried(state)));
    expect(await client.queryPayment('ORD_1001')).toEqual({ status, providerStatus: state });
  });

  it('maps 404 ORDER_NOT_EXIST to not-found, and refuses an answer about another order', async () => {
    const missing = withFetch(() => answer(404, '{"code":"ORDER_NOT_EXIST","message":"订单不存在"}')).adapter;
    expect(await missing.queryPayment('ORD_1001')).toEqual({ status: 'not-found', providerStatus: 'ORDER_NOT_EXIST' });
    const forged = withFetch(() =>
      answer(404, '{"code":"ORDER_NOT_EXIST","message":"x"}', { key: merchant.privateKey }),
    );
    await expect(forged.adapter.queryPayment('ORD_1001')).rejects.toMatchObject({
      code: 'PROVIDER_ANSWER_SIGNATURE_INVALID',
    });
    const other = withFetch(() => answer(200, queried('NOTPAY', { out_trade_no: 'ORD_9999' }))).adapter;
    await expect(other.queryPayment('ORD_1001')).rejects.toMatchObject({ code: 'PROVIDER_ANSWER_INVALID' });
  });

  it('closes with a signed POST {mchid} and a signed empty 204', async () => {
    const { adapter: client, calls } = withFetch(() => answer(204, ''));
    await client.closePayment('ORD_1001');
    expect(calls[0].url).toBe('https://api.mch.weixin.qq.com/v3/pay/transactions/out-trade-no/ORD_1001/close');
    expect(calls[0].body).toBe('{"mchid":"1900000001"}');
    expectSignedByMerchant(calls[0]);
    const missing = withFetch(() => answer(404, '{"code":"ORDER_NOT_EXIST","message":"订单不存在"}')).adapter;
    await expect(missing.closePayment('ORD_1001')).resolves.toBeUndefined();
    const unsigned = withFetch(() => answer(204, '', { unsigned: true })).adapter;
    await expect(unsigned.closePayment('ORD_1001')).rejects.toMatchObject({
      code: 'PROVIDER_ANSWER_SIGNATURE_INVALID',
    });
  });
});
