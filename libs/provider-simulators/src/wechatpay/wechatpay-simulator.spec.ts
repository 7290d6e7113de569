import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Money } from '@shop/money';
import { type VerifiedNotification, WechatPayClient, WechatPayNotificationVerifier } from '@shop/providers';
import { type WechatPayKeys, generateWechatPayKeys } from './wechatpay-keys';
import { type WechatPayPayOptions, WechatPaySimulator } from './wechatpay-simulator';
import { messageText, randomAlphanumeric, requestText, sign } from './wechatpay-signature';

const APP_ID = 'wx7777777777777777';
const MCH_ID = '1900000003';
const API_V3_KEY = 'z1X2c3V4b5N6m7A8s9D0f1G2h3J4k5L6';

let keys: WechatPayKeys;
let simulator: WechatPaySimulator;
let client: WechatPayClient;
let verifier: WechatPayNotificationVerifier;
let receiver: Server;
let notifyUrl: string;
const received: Array<{ notification?: VerifiedNotification; reason?: string }> = [];
const seenReplayKeys = new Set<string>();

beforeAll(async () => {
  keys = await generateWechatPayKeys({ platformCertificate: true });
  simulator = new WechatPaySimulator({
    appId: APP_ID,
    mchId: MCH_ID,
    apiV3Key: API_V3_KEY,
    merchantPublicKey: keys.merchant.publicKeyPem,
    merchantCertSerial: keys.merchant.certSerial,
    platformPrivateKey: keys.platform.privateKeyPem,
    platformSerial: keys.platform.publicKeyId,
  });
  await simulator.start();
  // Both modes at once, as during WeChat Pay's migration from platform certificates to the public key.
  const platformKeys = {
    [keys.platform.publicKeyId]: keys.platform.publicKeyPem,
    [keys.platformCertificate!.serial]: keys.platformCertificate!.certificatePem,
  };
  client = new WechatPayClient({
    appId: APP_ID,
    mchId: MCH_ID,
    privateKey: keys.merchant.privateKeyBase64,
    certSerial: keys.merchant.certSerial,
    platformKeys,
    baseUrl: simulator.baseUrl,
  });
  verifier = new WechatPayNotificationVerifier({ appId: APP_ID, mchId: MCH_ID, apiV3Key: API_V3_KEY, platformKeys });
  // A tiny stand-in for our notification endpoint: raw body in, verifier verdict out, replays refused.
  receiver = createServer((req, res) => {
    let rawBody = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (rawBody += chunk));
    req.on('end', () => {
      let answer = verifier.acknowledge();
      const verdict = verifier.verify({ rawBody, contentType: req.headers['content-type'], headers: req.headers });
      if (!verdict.ok) {
        received.push({ reason: verdict.reason });
        answer = verifier.reject(verdict.reason);
      } else if (seenReplayKeys.has(verdict.notification.replayKey!)) {
        received.push({ reason: 'REPLAY' });
        answer = verifier.reject('MALFORMED');
      } else {
        seenReplayKeys.add(verdict.notification.replayKey!);
        received.push({ notification: verdict.notification });
      }
      res.writeHead(answer.status, { 'content-type': answer.contentType });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify/wechatpay`;
});

afterAll(async () => {
  await simulator.stop();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

let orderSeq = 0;
const nextOrderNo = (): string => `ORD_WX_${++orderSeq}`;

async function native(orderNo: string, fen = 1230): Promise<string> {
  const result = await client.createPayment({
    orderNo,
    amount: Money.of(fen, 'CNY'),
    subject: 'Order A+B 100% 中文',
    method: 'native',
    notifyUrl,
    expiresAt: new Date(Date.now() + 15 * 60_000),
  });
  if (result.kind !== 'code-url') throw new Error(`unexpected ${result.kind}`);
  return result.codeUrl;
}

describe('the client and the verifier against the live simulator', () => {
  it('opens a native payment: the simulator verifies our signature, we verify its answer', async () => {
    const orderNo = nextOrderNo();
    const codeUrl = await native(orderNo);
    expect(codeUrl).toMatch(/^weixin:\/\/wxpay\/bizpayurl\?pr=[A-Za-z0-9]{9}$/);
    expect(simulator.trade(orderNo)).toMatchObject({ total: 1230, notifyUrl, tradeState: 'NOTPAY' });
    expect(simulator.trade(orderNo)?.timeExpire).toMatch(/\+08:00$/);
    // The same order again returns the same code_url, as WeChat Pay does.
    expect(await native(orderNo)).toBe(codeUrl);
  });

  it('query: pending, then paid after a payment whose notification was lost', async () => {
    const orderNo = nextOrderNo();
    await native(orderNo, 4321);
    expect(await client.queryPayment(orderNo)).toEqual({ status: 'pending', providerStatus: 'NOTPAY' });
    const trade = simulator.markPaidWithoutNotify(orderNo);
    const paid = await client.queryPayment(orderNo);
    expect(paid).toMatchObject({
      status: 'paid',
      providerStatus: 'SUCCESS',
      providerTransactionId: trade.transactionId,
    });
    expect(paid.amount?.equals(Money.of(4321, 'CNY'))).toBe(true);
    expect(paid.paidAt).toBeInstanceOf(Date);
    expect(received).toHaveLength(0);
  });

  it('query maps the other states, and an unknown order is not-found', async () => {
    const orderNo = nextOrderNo();
    await native(orderNo);
    for (const [state, status] of [
      ['USERPAYING', 'pending'],
      ['PAYERROR', 'failed'],
      ['REVOKED', 'closed'],
    ] as const) {
      simulator.setTradeState(orderNo, state);
      expect(await client.queryPayment(orderNo)).toEqual({ status, providerStatus: state });
    }
    expect(await client.queryPayment('ORD_NEVER_OPENED')).toEqual({
      status: 'not-found',
      providerStatus: 'ORDER_NOT_EXIST',
    });
  });

  it('close: 204, then the trade cannot be paid and a paid one cannot be closed', async () => {
    const orderNo = nextOrderNo();
    await native(orderNo);
    await client.closePayment(orderNo);
    expect(await client.queryPayment(orderNo)).toEqual({ status: 'closed', providerStatus: 'CLOSED' });
    await expect(simulator.pay(orderNo)).rejects.toMatchObject({ code: 'SIMULATOR_TRADE_CLOSED' });
    await expect(native(orderNo)).rejects.toMatchObject({ code: 'PROVIDER_REJECTED' });

    const paidNo = nextOrderNo();
    await native(paidNo);
    simulator.markPaidWithoutNotify(paidNo);
    await expect(client.closePayment(paidNo)).rejects.toMatchObject({
      code: 'PROVIDER_TRADE_PAID',
      details: expect.objectContaining({ providerStatus: 'SUCCESS' }),
    });
    // Already closed, or never opened: both count as closed.
    await expect(client.closePayment(orderNo)).resolves.toBeUndefined();
    await expect(client.closePayment('ORD_NEVER_OPENED')).resolves.toBeUndefined();
  });
});

type CallAuth = {
  mchid?: string;
  serial?: string;
  /** Seconds added to the real clock for the request timestamp. */
  skew?: number;
  key?: string;
  url?: string;
  scheme?: string;
};

describe('the simulator checks requests as WeChat Pay does', () => {
  async function call(auth: CallAuth = {}): Promise<{ status: number; json: Record<string, unknown> }> {
    const path = '/v3/pay/transactions/out-trade-no/ORD_ANY?mchid=' + MCH_ID;
    const timestamp = String(Math.floor(Date.now() / 1000) + (auth.skew ?? 0));
    const nonce = randomAlphanumeric(32);
    const { createPrivateKey } = await import('node:crypto');
    const key = createPrivateKey(auth.key ?? keys.merchant.privateKeyPem);
    const signature = sign(requestText('GET', auth.url ?? path, timestamp, nonce, ''), key);
    const header =
      `${auth.scheme ?? 'WECHATPAY2-SHA256-RSA2048'} mchid="${auth.mchid ?? MCH_ID}",nonce_str="${nonce}",` +
      `signature="${signature}",timestamp="${timestamp}",serial_no="${auth.serial ?? keys.merchant.certSerial}"`;
    const response = await fetch(`${simulator.baseUrl}${path}`, {
      headers: { authorization: header, accept: 'application/json', 'user-agent': 'spec' },
    });
    return { status: response.status, json: (await response.json()) as Record<string, unknown> };
  }

  it('accepts a correct signature (then 404 ORDER_NOT_EXIST for an unknown order)', async () => {
    expect(await call()).toEqual({ status: 404, json: { code: 'ORDER_NOT_EXIST', message: '订单不存在' } });
  });

  it.each<[string, CallAuth]>([
    ['another key', { key: 'platform' }],
    ['another mchid', { mchid: '1900000099' }],
    ['another serial', { serial: 'ABCDEF0123' }],
    ['a stale timestamp', { skew: -310 }],
    ['a future timestamp', { skew: 310 }],
    ['a signature over another URL', { url: '/v3/pay/transactions/out-trade-no/ORD_ANY' }],
    ['another scheme', { scheme: 'WECHATPAY2-SHA256-RSA4096' }],
  ])('answers 401 SIGN_ERROR for %s', async (_label, auth) => {
    const options = auth.key === 'platform' ? { ...auth, key: keys.platform.privateKeyPem } : auth;
    const { status, json } = await call(options);
    expect(status).toBe(401);
    expect(json.code).toBe('SIGN_ERROR');
  });
});

describe('notifications through a local receiver into the notification verifier', () => {
  it('delivers a signed, encrypted TRANSACTION.SUCCESS that verifies and maps', async () => {
    const orderNo = nextOrderNo();
    await native(orderNo, 990);
    const result = await simulator.pay(orderNo);
    expect(result.status).toBe(204);
    expect(received).toHaveLength(1);
    const notification = received[0].notification!;
    expect(notification).toMatchObject({
      kind: 'payment-succeeded',
      orderNo,
      notificationKey: result.notification.id,
      providerTransactionId: simulator.trade(orderNo)?.transactionId,
      tradeStatus: 'SUCCESS',
    });
    expect(notification.amount.equals(Money.of(990, 'CNY'))).toBe(true);
    expect(notification.paidAt?.toISOString()).toBe(new Date(simulator.trade(orderNo)!.successTime!).toISOString());
    const query = await client.queryPayment(orderNo);
    expect(query.providerTransactionId).toBe(notification.providerTransactionId);
  });

  it('retries and concurrent duplicates keep the same notification id, each freshly signed', async () => {
    const orderNo = nextOrderNo();
    await native(orderNo);
    const result = await simulator.pay(orderNo, { times: 2, concurrent: 3 });
    expect(result.deliveries).toHaveLength(6);
    expect(result.deliveries.every((d) => d.status === 204)).toBe(true);
    const ids = new Set(received.map((r) => r.notification?.notificationKey));
    expect(ids).toEqual(new Set([result.notification.id]));
    expect(new Set(received.map((r) => r.notification?.replayKey)).size).toBe(6);
    // A later retry keeps the id too.
    await simulator.pay(orderNo);
    expect(received[received.length - 1].notification?.notificationKey).toBe(result.notification.id);
  });

  it('a byte-exact replay (same timestamp and nonce) verifies but carries the same replayKey', async () => {
    const orderNo = nextOrderNo();
    await native(orderNo);
    const nonce = randomAlphanumeric(32);
    const timestamp = Math.floor(Date.now() / 1000);
    const result = await simulator.pay(orderNo, { times: 2, nonce, timestamp });
    expect(result.deliveries.map((d) => d.status)).toEqual([204, 400]);
    expect(received.map((r) => r.reason ?? 'ok')).toEqual(['ok', 'REPLAY']);
    expect(received[0].notification?.replayKey).toBe(`${timestamp}:${nonce}`);
  });

  it('newTransaction is another payment of the order, even of a closed trade: new transaction and notification id', async () => {
    const orderNo = nextOrderNo();
    await native(orderNo);
    await client.closePayment(orderNo);
    const recorded = simulator.trade(orderNo)!;
    const result = await simulator.pay(orderNo, { newTransaction: true });
    expect(result.status).toBe(204);
    const late = received[0].notification!;
    expect(late).toMatchObject({ kind: 'payment-succeeded', orderNo });
    expect(late.amount.equals(Money.of(1230, 'CNY'))).toBe(true);
    expect(late.providerTransactionId).toMatch(/^4200\d{24}$/);
    await simulator.pay(orderNo, { newTransaction: true });
    const later = received[1].notification!;
    expect(later.providerTransactionId).not.toBe(late.providerTransactionId);
    expect(later.notificationKey).not.toBe(late.notificationKey);
    expect(simulator.trade(orderNo)).toEqual(recorded);
    expect(recorded).toMatchObject({ tradeState: 'CLOSED', transactionId: undefined });
  });

  it('signs with the platform certificate key and its serial: the verifier picks that key', async () => {
    const orderNo = nextOrderNo();
    await native(orderNo);
    const result = await simulator.pay(orderNo, {
      signWithKey: keys.platformCertificate!.privateKeyPem,
      serial: keys.platformCertificate!.serial,
    });
    expect(result.status).toBe(204);
    expect(received[0].notification?.kind).toBe('payment-succeeded');
  });

  it.each<[string, WechatPayPayOptions, string, number]>([
    [
      'an edited body',
      { tamper: { replace: { '"summary":"支付成功"': '"summary":"支付失败"' } } },
      'BAD_SIGNATURE',
      401,
    ],
    ['a re-serialised body', { tamper: { reserialize: true } }, 'BAD_SIGNATURE', 401],
    ['a stale timestamp', { timestamp: Math.floor(Date.now() / 1000) - 600 }, 'STALE_TIMESTAMP', 401],
    ['a SIGNTEST probe', { probe: true }, 'SIGNATURE_PROBE', 401],
    ['an unknown serial', { serial: 'PUB_KEY_ID_0100000000000000000000000000000000' }, 'UNKNOWN_SERIAL', 401],
    ['a foreign key', { signWithKey: 'merchant' }, 'BAD_SIGNATURE', 401],
    ['another mchid', { mchId: '1900000099' }, 'FOREIGN_MCH_ID', 400],
    ['another appid', { appId: 'wx0000000000000000' }, 'FOREIGN_APP_ID', 400],
    ['another APIv3 key', { apiV3Key: 'A'.repeat(32) }, 'DECRYPT_FAILED', 500],
  ])('refuses %s', async (_label, options, reason, status) => {
    const orderNo = nextOrderNo();
    await native(orderNo);
    const pay = options.signWithKey === 'merchant' ? { ...options, signWithKey: keys.merchant.privateKeyPem } : options;
    const result = await simulator.pay(orderNo, pay);
    expect(received.map((r) => r.reason)).toEqual([reason]);
    expect(result.status).toBe(status);
    expect(JSON.parse(result.body)).toMatchObject({ code: 'FAIL' });
  });

  it('a validly signed different amount reaches the caller, who must compare it with the order', async () => {
    const orderNo = nextOrderNo();
    await native(orderNo, 1230);
    await simulator.pay(orderNo, { amount: 1 });
    expect(received[0].notification?.amount.equals(Money.of(1, 'CNY'))).toBe(true);
  });
});

describe('the control API', () => {
  it('lists trades, pays over HTTP and marks paid without notifying', async () => {
    const orderNo = nextOrderNo();
    await native(orderNo);
    const list = (await (await fetch(`${simulator.baseUrl}/_simulator/wechatpay/trades`)).json()) as Array<{
      outTradeNo: string;
    }>;
    expect(list.map((trade) => trade.outTradeNo)).toContain(orderNo);
    const paid = await fetch(`${simulator.baseUrl}/_simulator/wechatpay/trades/${orderNo}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ times: 2 }),
    });
    expect(paid.status).toBe(200);
    const result = (await paid.json()) as { deliveries: Array<{ status: number }> };
    expect(result.deliveries.map((d) => d.status)).toEqual([204, 204]);
    expect(received).toHaveLength(2);

    const lostNo = nextOrderNo();
    await native(lostNo);
    const marked = await fetch(`${simulator.baseUrl}/_simulator/wechatpay/trades/${lostNo}/mark-paid`, {
      method: 'POST',
    });
    expect(marked.status).toBe(200);
    expect((await client.queryPayment(lostNo)).status).toBe('paid');
    const missing = await fetch(`${simulator.baseUrl}/_simulator/wechatpay/trades/ORD_NOPE/pay`, { method: 'POST' });
    expect(missing.status).toBe(404);
  });

  it('signs every answer, errors included', async () => {
    const response = await fetch(`${simulator.baseUrl}/v3/pay/transactions/native`, { method: 'POST', body: '{}' });
    const body = await response.text();
    expect(response.status).toBe(401);
    const { createVerify } = await import('node:crypto');
    const text = messageText(
      response.headers.get('wechatpay-timestamp')!,
      response.headers.get('wechatpay-nonce')!,
      body,
    );
    expect(response.headers.get('wechatpay-serial')).toBe(keys.platform.publicKeyId);
    expect(
      createVerify('RSA-SHA256')
        .update(text)
        .verify(keys.platform.publicKey, response.headers.get('wechatpay-signature')!, 'base64'),
    ).toBe(true);
  });
});
