import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Money } from '@shop/money';
import { UnionPayClient, UnionPayNotificationVerifier, type VerifiedNotification } from '@shop/providers';
import { type UnionPayCertificates, generateUnionPayCertificates } from './unionpay-certs';
import { UnionPaySimulator } from './unionpay-simulator';

const MER_ID = '777290058110049';

let certs: UnionPayCertificates;
let simulator: UnionPaySimulator;
let client: UnionPayClient;
let verifier: UnionPayNotificationVerifier;
let receiver: Server;
let notifyUrl: string;
const received: Array<{ notification?: VerifiedNotification; reason?: string }> = [];

beforeAll(async () => {
  certs = await generateUnionPayCertificates();
  simulator = new UnionPaySimulator({
    merId: MER_ID,
    merchantCert: certs.merchant.certPem,
    signCert: certs.sign.certPem,
    signKey: certs.sign.privateKeyPem,
    middle: certs.middle,
    root: certs.root,
  });
  const gatewayUrl = await simulator.start();
  client = new UnionPayClient({
    merId: MER_ID,
    signPrivateKey: certs.merchant.privateKeyPem,
    signCertId: certs.merchant.certId,
    rootCert: certs.root.certPem,
    middleCert: certs.middle.certPem,
    gatewayUrl,
  });
  verifier = new UnionPayNotificationVerifier({
    merId: MER_ID,
    rootCert: certs.root.certPem,
    middleCert: certs.middle.certPem,
  });
  // A tiny stand-in for our notification endpoint: raw body in, verifier verdict out.
  receiver = createServer((req, res) => {
    let rawBody = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (rawBody += chunk));
    req.on('end', () => {
      const verdict = verifier.verify({ rawBody, contentType: req.headers['content-type'], headers: {} });
      received.push(verdict.ok ? { notification: verdict.notification } : { reason: verdict.reason });
      const answer = verdict.ok ? verifier.acknowledge() : verifier.reject(verdict.reason);
      res.writeHead(answer.status, { 'content-type': answer.contentType });
      res.end(answer.body);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  notifyUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/notify/unionpay`;
}, 60_000);

afterAll(async () => {
  await simulator.stop();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

beforeEach(() => {
  received.length = 0;
});

let orderSeq = 0;
const nextOrderId = (): string => `ORDSIM${Date.now()}${++orderSeq}`;

/** Creates the payment through the client and posts its form to the simulator, as the browser would. */
async function open(orderId: string, fen = 1230, subject = 'A+B 100% 测试') {
  const result = await client.createPayment({
    orderNo: orderId,
    amount: Money.of(fen, 'CNY'),
    subject,
    method: 'page',
    notifyUrl,
  });
  if (result.kind !== 'form') throw new Error('expected a form');
  const response = await fetch(result.action, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(result.fields).toString(),
  });
  return { fields: result.fields, status: response.status, html: await response.text() };
}

describe('UnionPaySimulator', () => {
  it("accepts the client's consume form and records the trade", async () => {
    const orderId = nextOrderId();
    const { status, html, fields } = await open(orderId);
    expect(status).toBe(200);
    expect(html).toContain(`data-order-id="${orderId}"`);
    expect(simulator.trade(orderId)).toMatchObject({ txnAmt: '1230', txnTime: fields.txnTime, status: 'unpaid' });
  });

  it('refuses a form with a tampered field, a foreign certId or a stale txnTime with a 400 error page', async () => {
    const orderId = nextOrderId();
    const result = await client.createPayment({
      orderNo: orderId,
      amount: Money.of(100, 'CNY'),
      subject: 'x',
      method: 'page',
      notifyUrl,
    });
    if (result.kind !== 'form') throw new Error('expected a form');
    const post = (fields: Record<string, string>) =>
      fetch(result.action, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      }).then(async (r) => ({ status: r.status, html: await r.text() }));
    expect(await post({ ...result.fields, txnAmt: '1' })).toMatchObject({ status: 400 });
    expect((await post({ ...result.fields, txnAmt: '1' })).html).toContain('data-resp-code="11"');
    expect((await post({ ...result.fields, certId: '12345' })).html).toContain('data-resp-code="11"');
    const stale = new UnionPayClient({
      merId: MER_ID,
      signPrivateKey: certs.merchant.privateKey,
      signCertId: certs.merchant.certId,
      rootCert: certs.root.certPem,
      middleCert: certs.middle.certPem,
      gatewayUrl: simulator.baseUrl,
      now: () => new Date(Date.now() - 3600_000),
    });
    const old = await stale.createPayment({
      orderNo: orderId,
      amount: Money.of(100, 'CNY'),
      subject: 'x',
      method: 'page',
      notifyUrl,
      expiresAt: new Date(Date.now() + 3600_000),
    });
    if (old.kind !== 'form') throw new Error('expected a form');
    expect((await post(old.fields)).html).toContain('txnTime');
    expect(simulator.trade(orderId)).toBeUndefined();
  });

  it('delivers a signed notification that the verifier verifies; retries keep queryId', async () => {
    const orderId = nextOrderId();
    await open(orderId, 4321);
    const result = await simulator.pay(orderId, { times: 2, concurrent: 2 });
    expect(result.deliveries).toHaveLength(4);
    expect(result.deliveries.every((d) => d.status === 200 && d.body === 'ok')).toBe(true);
    expect(received).toHaveLength(4);
    const keys = new Set(received.map((r) => r.notification?.notificationKey));
    expect(keys.size).toBe(1);
    const notification = received[0].notification!;
    expect(notification).toMatchObject({ orderNo: orderId, kind: 'payment-succeeded', tradeStatus: '00' });
    expect(notification.amount.equals(Money.of(4321, 'CNY'))).toBe(true);
    expect(notification.fields.reqReserved).toBe('A+B 100% 测试');
    expect(notification.paidAt).toBeInstanceOf(Date);
  });

  it.each([
    ['wrong-cn', 'CERT_WRONG_CN'],
    ['expired', 'CERT_EXPIRED'],
    ['foreign-ca', 'CERT_UNTRUSTED'],
  ] as const)(
    'a %s leaf is refused by the verifier (%s)',
    async (leaf, reason) => {
      const orderId = nextOrderId();
      await open(orderId);
      const result = await simulator.pay(orderId, { leaf });
      expect(result).toMatchObject({ status: 400, body: 'fail' });
      expect(received).toEqual([{ reason }]);
    },
    30_000,
  );

  it('newTransaction is another payment of the order: a new queryId, the recorded trade untouched', async () => {
    const orderId = nextOrderId();
    await open(orderId);
    await simulator.pay(orderId);
    const recorded = simulator.trade(orderId)!;
    const result = await simulator.pay(orderId, { newTransaction: true });
    expect(result).toMatchObject({ status: 200, body: 'ok' });
    const [paid, late] = received.map((r) => r.notification!);
    expect(late).toMatchObject({ kind: 'payment-succeeded', orderNo: orderId });
    expect(late.amount.equals(Money.of(1230, 'CNY'))).toBe(true);
    expect(paid.providerTransactionId).toBe(recorded.queryId);
    expect(late.providerTransactionId).not.toBe(recorded.queryId);
    expect(late.notificationKey).not.toBe(paid.notificationKey);
    expect(simulator.trade(orderId)).toEqual(recorded);
  });

  it('tampered fields, a foreign merId and an amount change are caught where they should be', async () => {
    const orderId = nextOrderId();
    await open(orderId);
    await simulator.pay(orderId, { tamper: { txnAmt: '1' } });
    await simulator.pay(orderId, { merId: '898000000000001' });
    await simulator.pay(orderId, { amount: '1' });
    expect(received.map((r) => r.reason ?? r.notification?.amount.amount)).toEqual([
      'BAD_SIGNATURE',
      'FOREIGN_MER_ID',
      1, // validly signed: comparing with the order is the caller's job
    ]);
  });

  it('answers queries: not-found before payment, paid after markPaidWithoutNotify', async () => {
    const orderId = nextOrderId();
    const { fields } = await open(orderId, 999);
    await expect(client.queryPayment(orderId, { providerReference: fields.txnTime })).resolves.toMatchObject({
      status: 'not-found',
      providerStatus: '34',
    });
    await expect(client.queryPayment('ORDUNKNOWN0001', { providerReference: fields.txnTime })).resolves.toMatchObject({
      status: 'not-found',
    });
    simulator.markProcessing(orderId);
    await expect(client.queryPayment(orderId, { providerReference: fields.txnTime })).resolves.toMatchObject({
      status: 'pending',
    });
    const trade = simulator.markPaidWithoutNotify(orderId);
    const paid = await client.queryPayment(orderId, { providerReference: fields.txnTime });
    expect(paid).toMatchObject({ status: 'paid', providerTransactionId: trade.queryId, providerStatus: '00' });
    expect(paid.amount?.equals(Money.of(999, 'CNY'))).toBe(true);
    expect(paid.paidAt).toBeInstanceOf(Date);
    expect(received).toHaveLength(0);
  });

  it('reports a failed consume as failed', async () => {
    const orderId = nextOrderId();
    const { fields } = await open(orderId);
    await simulator.pay(orderId, { respCode: '61' });
    await expect(client.queryPayment(orderId, { providerReference: fields.txnTime })).resolves.toMatchObject({
      status: 'failed',
      providerStatus: '61',
    });
  });

  it('has a control API to list and pay trades', async () => {
    const orderId = nextOrderId();
    await open(orderId);
    const list = (await (await fetch(`${simulator.baseUrl}/_simulator/unionpay/trades`)).json()) as Array<{
      orderId: string;
    }>;
    expect(list.map((t) => t.orderId)).toContain(orderId);
    const response = await fetch(`${simulator.baseUrl}/_simulator/unionpay/trades/${orderId}/pay`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ times: 2 }),
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { deliveries: unknown[] }).deliveries).toHaveLength(2);
    const missing = await fetch(`${simulator.baseUrl}/_simulator/unionpay/trades/NOPE12345/pay`, { method: 'POST' });
    expect(missing.status).toBe(404);
  });
});
