import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Money } from '@shop/money';
import { AlipayClient, AlipayNotificationVerifier, type VerifiedNotification } from '@shop/providers';
import { type AlipayKeys, generateAlipayKeys } from './alipay-keys';
import { AlipaySimulator } from './alipay-simulator';

const APP_ID = '2021000000000003';
const SELLER_ID = '2088000000000003';

let keys: AlipayKeys;
let simulator: AlipaySimulator;
let client: AlipayClient;
let verifier: AlipayNotificationVerifier;
let receiver: Server;
let notifyUrl: string;
const received: Array<{ notification?: VerifiedNotification; reason?: string }> = [];

beforeAll(async () => {
  keys = await generateAlipayKeys();
  simulator = new AlipaySimulator({
    appId: APP_ID,
    sellerId: SELLER_ID,
    appPublicKey: keys.app.publicKeyBase64,
    alipayPrivateKey: keys.alipay.privateKeyPem,
  });
  await simulator.start();
  client = new AlipayClient({
    appId: APP_ID,
    privateKey: keys.app.privateKeyPkcs8Base64,
    alipayPublicKey: keys.alipay.publicKeyBase64,
    gatewayUrl: simulator.gatewayUrl,
  });
  verifier = new AlipayNotificationVerifier({
    appId: APP_ID,
    sellerId: SELLER_ID,
    alipayPublicKey: keys.alipay.publicKeyBase64,
  });
  // A tiny stand-in for our notification endpoint: raw body in, verifier verdict out.
  receiver = createServer((req, res) => {
    let rawBody = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (rawBody += chunk));
    req.on('end', () => {
      const verdict = verifier.verify({ rawBody, contentType: req.headers['content-type'], headers: req.headers });
      received.push(verdict.ok ? { notification: verdict.notification } : { reason: verdict.reason });
      const answer = verdict.ok ? verifier.acknowledge() : verifier.reject(verdict.reason);
      res.writeHead(answer.status, { 'content-type': answer.contentType });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify/alipay`;
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
const nextOrderNo = (): string => `ORD_SIM_${++orderSeq}`;

async function precreate(orderNo: string, fen = 1230, subject = 'Order A+B 100%'): Promise<string> {
  const result = await client.createPayment({
    orderNo,
    amount: Money.of(fen, 'CNY'),
    subject,
    method: 'qr',
    notifyUrl,
  });
  if (result.kind !== 'qr') throw new Error('expected a QR result');
  return result.qrCode;
}

describe('AlipaySimulator gateway', () => {
  it('answers precreate with a signed qr_code the client verifies, and records the trade', async () => {
    const orderNo = nextOrderNo();
    const qrCode = await precreate(orderNo);
    expect(qrCode).toMatch(/^https:\/\/qr\.alipay\.com\/bax0/);
    const trade = simulator.trade(orderNo);
    expect(trade).toMatchObject({
      outTradeNo: orderNo,
      totalAmount: '12.30',
      subject: 'Order A+B 100%',
      notifyUrl,
      status: 'WAIT_BUYER_PAY',
      qrCode,
    });
    expect(trade?.tradeNo).toMatch(/^\d{28}$/);
  });

  it('returns the same trade for a repeated precreate with the same amount, and refuses a changed amount', async () => {
    const orderNo = nextOrderNo();
    const first = await precreate(orderNo);
    expect(await precreate(orderNo)).toBe(first);
    await expect(precreate(orderNo, 1231)).rejects.toMatchObject({
      code: 'PROVIDER_REJECTED',
      details: { subCode: 'ACQ.INVALID_PARAMETER' },
    });
  });

  it('refuses, with a signed Alipay error answer, a request signed with the wrong key', async () => {
    const wrongKey = new AlipayClient({
      appId: APP_ID,
      privateKey: keys.alipay.privateKey, // not the application key Alipay knows
      alipayPublicKey: keys.alipay.publicKey,
      gatewayUrl: simulator.gatewayUrl,
    });
    await expect(
      wrongKey.createPayment({
        orderNo: nextOrderNo(),
        amount: Money.of(1, 'CNY'),
        subject: 's',
        method: 'qr',
        notifyUrl,
      }),
    ).rejects.toMatchObject({
      code: 'PROVIDER_REJECTED',
      details: { code: '40002', subCode: 'isv.invalid-signature' },
    });
  });

  it('refuses an unknown app_id and a timestamp outside the 15-minute window', async () => {
    const base = {
      privateKey: keys.app.privateKey,
      alipayPublicKey: keys.alipay.publicKey,
      gatewayUrl: simulator.gatewayUrl,
    };
    const request = {
      orderNo: nextOrderNo(),
      amount: Money.of(1, 'CNY'),
      subject: 's',
      method: 'qr' as const,
      notifyUrl,
    };
    await expect(new AlipayClient({ ...base, appId: '2021000000000999' }).createPayment(request)).rejects.toMatchObject(
      {
        details: { subCode: 'isv.invalid-app-id' },
      },
    );
    // A UTC timestamp where China time is expected is 8 hours off.
    const utcClock = () => new Date(Date.now() - 8 * 3600 * 1000);
    await expect(
      new AlipayClient({ ...base, appId: APP_ID }, { now: utcClock }).createPayment(request),
    ).rejects.toMatchObject({
      details: { subCode: 'isv.invalid-timestamp' },
    });
  });

  it("accepts the client's page.pay URL and shows a cashier page; refuses it once altered", async () => {
    const orderNo = nextOrderNo();
    const result = await client.createPayment({
      orderNo,
      amount: Money.of(990, 'CNY'),
      subject: 'Page <b>&',
      method: 'page',
      notifyUrl,
    });
    if (result.kind !== 'redirect') throw new Error('expected a redirect');
    expect(result.redirectUrl.startsWith(simulator.gatewayUrl)).toBe(true);
    const page = await fetch(result.redirectUrl);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`data-out-trade-no="${orderNo}"`);
    expect(html).toContain('Page &#60;b&#62;&#38;');
    expect(simulator.trade(orderNo)).toMatchObject({ method: 'alipay.trade.page.pay', totalAmount: '9.90' });

    const altered = new URL(result.redirectUrl);
    altered.searchParams.set('biz_content', altered.searchParams.get('biz_content')!.replace('9.90', '0.01'));
    const refused = await fetch(altered);
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('isv.invalid-signature');
  });
});

describe('AlipaySimulator notifications', () => {
  it('pay() posts a notification the verifier verifies and acknowledges', async () => {
    const orderNo = nextOrderNo();
    await precreate(orderNo);
    const result = await simulator.pay(orderNo);
    expect(result).toMatchObject({ status: 200, body: 'success' });
    expect(received).toHaveLength(1);
    const notification = received[0].notification!;
    const trade = simulator.trade(orderNo)!;
    expect(notification).toMatchObject({
      kind: 'payment-succeeded',
      orderNo,
      providerTransactionId: trade.tradeNo,
      notificationKey: trade.notifyId,
      tradeStatus: 'TRADE_SUCCESS',
    });
    expect(notification.amount.equals(Money.of(1230, 'CNY'))).toBe(true);
    expect(notification.paidAt).toBeInstanceOf(Date);
    expect(notification.fields).toMatchObject({
      notify_type: 'trade_status_sync',
      app_id: APP_ID,
      seller_id: SELLER_ID,
      subject: 'Order A+B 100%',
      receipt_amount: '12.30',
      buyer_pay_amount: '12.30',
      sign_type: 'RSA2',
      charset: 'utf-8',
      version: '1.0',
    });
    expect(trade.status).toBe('TRADE_SUCCESS');
  });

  it('sends duplicates, sequential and concurrent, with the same notify_id', async () => {
    const orderNo = nextOrderNo();
    await precreate(orderNo);
    const first = await simulator.pay(orderNo, { times: 2 });
    const second = await simulator.pay(orderNo, { concurrent: 3 });
    expect(first.deliveries).toHaveLength(2);
    expect(second.deliveries).toHaveLength(3);
    expect([...first.deliveries, ...second.deliveries].every((d) => d.status === 200 && d.body === 'success')).toBe(
      true,
    );
    const keysSeen = new Set(received.map((r) => r.notification?.notificationKey));
    expect(received).toHaveLength(5);
    expect(keysSeen.size).toBe(1);
    expect(new Set(received.map((r) => r.notification?.paidAt?.getTime())).size).toBe(1);
  });

  it('tamper changes fields after signing: the verifier rejects the signature and Alipay gets no "success"', async () => {
    const orderNo = nextOrderNo();
    await precreate(orderNo);
    const result = await simulator.pay(orderNo, { tamper: { total_amount: '0.01' } });
    expect(result.status).toBe(400);
    expect(result.body).not.toBe('success');
    expect(received).toEqual([{ reason: 'BAD_SIGNATURE' }]);
  });

  it('signWithKey, appId and sellerId produce the matching rejections', async () => {
    const orderNo = nextOrderNo();
    await precreate(orderNo);
    await simulator.pay(orderNo, { signWithKey: keys.app.privateKeyPkcs1Base64 });
    await simulator.pay(orderNo, { appId: '2021000000000999' });
    await simulator.pay(orderNo, { sellerId: '2088000000000999' });
    expect(received.map((r) => r.reason)).toEqual(['BAD_SIGNATURE', 'FOREIGN_APP_ID', 'FOREIGN_SELLER_ID']);
  });

  it('amount, outTradeNo and tradeStatus are validly signed variations for the service to judge', async () => {
    const orderNo = nextOrderNo();
    await precreate(orderNo);
    await simulator.pay(orderNo, { amount: '0.01' });
    await simulator.pay(orderNo, { outTradeNo: 'ORD_UNKNOWN' });
    await simulator.pay(orderNo, { tradeStatus: 'TRADE_CLOSED' });
    const [cheap, unknown, closed] = received.map((r) => r.notification!);
    expect(cheap.amount.equals(Money.of(1, 'CNY'))).toBe(true);
    expect(unknown.orderNo).toBe('ORD_UNKNOWN');
    expect(closed.kind).toBe('payment-closed');
  });

  it('newTransaction is another payment of the order, even of a closed trade: new trade_no and notify_id', async () => {
    const orderNo = nextOrderNo();
    await precreate(orderNo);
    await client.closePayment(orderNo);
    await expect(simulator.pay(orderNo)).rejects.toMatchObject({ code: 'SIMULATOR_TRADE_CLOSED' });
    const recorded = simulator.trade(orderNo)!;
    const first = await simulator.pay(orderNo, { newTransaction: true });
    const second = await simulator.pay(orderNo, { newTransaction: true });
    expect([first.body, second.body]).toEqual(['success', 'success']);
    const [late, later] = received.map((r) => r.notification!);
    expect(late).toMatchObject({ kind: 'payment-succeeded', orderNo, tradeStatus: 'TRADE_SUCCESS' });
    expect(late.amount.equals(Money.of(1230, 'CNY'))).toBe(true);
    expect(new Set([recorded.tradeNo, late.providerTransactionId, later.providerTransactionId]).size).toBe(3);
    expect(late.notificationKey).not.toBe(later.notificationKey);
    // The recorded trade is untouched: still closed, its own trade_no, never notified.
    expect(simulator.trade(orderNo)).toEqual(recorded);
  });

  it('serves the control API for out-of-process use', async () => {
    const orderNo = nextOrderNo();
    await precreate(orderNo, 500);
    const listed = (await (await fetch(`${simulator.baseUrl}/_simulator/alipay/trades`)).json()) as Array<{
      outTradeNo: string;
    }>;
    expect(listed.map((t) => t.outTradeNo)).toContain(orderNo);

    const paid = await fetch(`${simulator.baseUrl}/_simulator/alipay/trades/${orderNo}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ times: 2 }),
    });
    expect(paid.status).toBe(200);
    expect(await paid.json()).toMatchObject({ status: 200, body: 'success' });
    expect(received).toHaveLength(2);

    const tampered = await fetch(`${simulator.baseUrl}/_simulator/alipay/trades/${orderNo}/pay`, {
      method: 'POST',
      body: JSON.stringify({ tamper: { subject: 'changed' } }),
    });
    expect(await tampered.json()).toMatchObject({ status: 400, body: 'fail' });

    const missing = await fetch(`${simulator.baseUrl}/_simulator/alipay/trades/NOPE/pay`, { method: 'POST' });
    expect(missing.status).toBe(404);
  });

  it('throws a coded error for pay() on an unknown trade', async () => {
    await expect(simulator.pay('NO_SUCH_TRADE')).rejects.toMatchObject({ code: 'SIMULATOR_TRADE_NOT_FOUND' });
  });
});
