import { randomInt } from 'node:crypto';
import { generateAlipayKeys, AlipaySimulator } from '@shop/provider-simulators';
import { callJson, eventually, startSystem, type RunningSystem } from '@shop/testing';
import { balanceOf } from './provider-drivers';
import { signToken } from '../../apps/api-gateway/src/auth/jwt';

// Payment anomalies end to end: five service processes on the real Kafka and PostgreSQL and an Alipay
// simulator. Money that cannot settle its order is detected by the order-service, recorded by the
// payment-gateway and listed to admins, never dropped. (LATE_PAYMENT needs order expiry, another issue's; the
// order-service's own spec covers it.)

const JWT_SECRET = 'e2e-secret-0123456789abcdefghijklmnopqrstuv';
const APP_ID = '2021000199990002';
const SELLER_ID = '2088000199990002';
const customer = signToken(JWT_SECRET, { sub: 'e2e-anomaly-customer', roles: ['customer'] });
const admin = signToken(JWT_SECRET, { sub: 'e2e-admin', roles: ['admin'] });

interface Anomaly {
  id: string;
  type: string;
  orderNo: string;
  provider: string;
  providerTransactionId: string;
  amount: number;
  currency: string;
  detectedAt: string;
  status: string;
  refundId: string | null;
}

interface AnomalyPage {
  items: Anomaly[];
  page: number;
  pageSize: number;
  total: number;
}

describe('payment anomalies, end to end', () => {
  let system: RunningSystem;
  let simulator: AlipaySimulator;

  beforeAll(async () => {
    const keys = await generateAlipayKeys();
    simulator = new AlipaySimulator({
      appId: APP_ID,
      sellerId: SELLER_ID,
      appPublicKey: keys.app.publicKeyBase64,
      alipayPrivateKey: keys.alipay.privateKeyPem,
    });
    await simulator.start();
    system = await startSystem({
      JWT_SECRET,
      ALIPAY_APP_ID: APP_ID,
      ALIPAY_SELLER_ID: SELLER_ID,
      ALIPAY_PRIVATE_KEY: keys.app.privateKeyPkcs8Base64,
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKeyPem,
      ALIPAY_GATEWAY_URL: simulator.gatewayUrl,
      // Nothing is refunded automatically here: every anomaly waits in the queue for an admin.
      ANOMALY_AUTO_REFUND: '',
    });
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    await simulator?.stop();
  });

  const api = <T>(method: string, path: string, token?: string, body?: unknown) =>
    callJson<T>(system.urls['api-gateway'], method, path, token, body);

  /** A new order of the first catalog product, with a QR payment started at Alipay. */
  async function orderWithQrPayment(): Promise<{ orderNo: string; totalAmount: number }> {
    const products = await api<{ items: { sku: string }[] }>('GET', '/api/v1/products');
    const created = await api<{ orderNo: string; totalAmount: number }>('POST', '/api/v1/orders', customer, {
      items: [{ sku: products.body.items[0].sku, quantity: 1 }],
    });
    expect(created.status).toBe(201);
    const payment = await api('POST', `/api/v1/orders/${created.body.orderNo}/payments`, customer, {
      provider: 'alipay',
      method: 'qr',
    });
    expect(payment.status).toBe(201);
    return created.body;
  }

  async function anomalyOf(orderNo: string, type: string): Promise<Anomaly> {
    return eventually(
      async () => {
        const page = await api<AnomalyPage>('GET', `/api/v1/admin/anomalies?type=${type}&pageSize=100`, admin);
        expect(page.status).toBe(200);
        return page.body.items.find((a) => a.orderNo === orderNo);
      },
      { timeoutMs: 30_000, message: `${type} for ${orderNo} listed` },
    );
  }

  const digits = (n: number) => Array.from({ length: n }, () => randomInt(10)).join('');

  it('lists a second Alipay trade for a paid order as DUPLICATE_PAYMENT, refund required, once', async () => {
    const order = await orderWithQrPayment();
    const first = await simulator.pay(order.orderNo);
    expect(first.body).toBe('success');
    await eventually(
      async () => {
        const current = await api<{ status: string }>('GET', `/api/v1/orders/${order.orderNo}`, customer);
        return current.body.status === 'PAID' ? true : undefined;
      },
      { timeoutMs: 30_000, message: `order ${order.orderNo} PAID` },
    );
    // The simulator keeps one trade per order; a second payment (the buyer paid twice) is the same
    // notification with another trade_no and notify_id, validly signed.
    const tradeNo = first.notification['trade_no'];
    const second = simulator.buildNotification({
      ...first.notification,
      trade_no: `${tradeNo.slice(0, 12)}${digits(tradeNo.length - 12)}`,
      notify_id: `${first.notification['notify_id'].slice(0, 12)}${digits(22)}`,
    });
    const notifyUrl = `${system.urls['notification-ingest']}/callbacks/alipay`;
    // Delivered twice (a provider retry): still one anomaly.
    for (let i = 0; i < 2; i++) expect((await simulator.postNotification(notifyUrl, second)).body).toBe('success');

    const anomaly = await anomalyOf(order.orderNo, 'DUPLICATE_PAYMENT');
    expect(anomaly).toEqual({
      id: expect.any(String),
      type: 'DUPLICATE_PAYMENT',
      orderNo: order.orderNo,
      provider: 'alipay',
      providerTransactionId: second['trade_no'],
      amount: order.totalAmount,
      currency: 'CNY',
      detectedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      status: 'REFUND_REQUIRED',
      refundId: null,
      resolvedBy: null,
      resolutionReason: null,
      resolvedAt: null,
    });
    const all = await api<AnomalyPage>('GET', '/api/v1/admin/anomalies?pageSize=100', admin);
    expect(all.body.items.filter((a) => a.orderNo === order.orderNo)).toHaveLength(1);
    // The order stays paid by its first trade.
    const paid = await api<{ status: string; providerTransactionId: string }>(
      'GET',
      `/api/v1/orders/${order.orderNo}`,
      customer,
    );
    expect(paid.body).toMatchObject({ status: 'PAID', providerTransactionId: tradeNo });
  });

  it('lists a payment of the wrong amount as AMOUNT_MISMATCH, refund required', async () => {
    const order = await orderWithQrPayment();
    const result = await simulator.pay(order.orderNo, { amount: '0.01' });
    expect(result.body).toBe('success');
    const anomaly = await anomalyOf(order.orderNo, 'AMOUNT_MISMATCH');
    expect(anomaly).toMatchObject({
      type: 'AMOUNT_MISMATCH',
      provider: 'alipay',
      providerTransactionId: result.notification['trade_no'],
      amount: 1,
      currency: 'CNY',
      status: 'REFUND_REQUIRED',
    });
  });

  it('keeps the anomaly list to admins', async () => {
    expect((await api('GET', '/api/v1/admin/anomalies', customer)).status).toBe(403);
  });

  const ledgerOf = async (orderNo: string) =>
    (
      await api<{ entries: { transactionId: string; account: string; side: string; amount: number }[] }>(
        'GET',
        `/api/v1/admin/orders/${orderNo}/ledger`,
        admin,
      )
    ).body.entries;

  it('an admin refunds a duplicate from the queue: the second trade only, once, the anomaly REFUNDED', async () => {
    const order = await orderWithQrPayment();
    const first = await simulator.pay(order.orderNo);
    const second = await simulator.pay(order.orderNo, { newTransaction: true });
    expect(second.body).toBe('success');
    const anomaly = await eventually(async () => {
      const found = await anomalyOf(order.orderNo, 'DUPLICATE_PAYMENT');
      return found.providerTransactionId === second.notification.trade_no ? found : undefined;
    });
    const refund = await api<{ refundId: string; status: string; amount: number }>(
      'POST',
      `/api/v1/admin/anomalies/${anomaly.id}/refund`,
      admin,
      { reason: 'paid twice' },
    );
    expect(refund.status).toBe(201);
    expect(refund.body).toMatchObject({ status: 'SUCCEEDED', amount: order.totalAmount, provider: 'alipay' });
    const again = await api<{ code: string }>('POST', `/api/v1/admin/anomalies/${anomaly.id}/refund`, admin, {});
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ANOMALY_NOT_REFUNDABLE');
    const after = await anomalyOf(order.orderNo, 'DUPLICATE_PAYMENT');
    expect(after).toMatchObject({ status: 'REFUNDED', refundId: refund.body.refundId });
    const requests = simulator.refundRequests().map((r) => JSON.parse(r.biz_content) as { trade_no: string });
    expect(requests.filter((r) => r.trade_no === second.notification.trade_no)).toHaveLength(1);
    expect(requests.filter((r) => r.trade_no === first.notification.trade_no)).toHaveLength(0);
    // The order's timeline shows the anomaly refund and who asked.
    const timeline = await eventually(async () => {
      const o = await api<{ timeline: { event: string; actor: string }[] }>(
        'GET',
        `/api/v1/orders/${order.orderNo}`,
        customer,
      );
      return o.body.timeline.find((e) => e.event === 'anomaly-refunded') ? o.body.timeline : undefined;
    });
    expect(timeline.find((e) => e.event === 'anomaly-refunded')).toMatchObject({ actor: 'e2e-admin' });
  });

  it('an admin dismisses an anomaly with a reason: DISMISSED, its money released from refunds-due', async () => {
    const order = await orderWithQrPayment();
    const result = await simulator.pay(order.orderNo, { amount: '0.01' });
    const anomaly = await anomalyOf(order.orderNo, 'AMOUNT_MISMATCH');
    const missingReason = await api('POST', `/api/v1/admin/anomalies/${anomaly.id}/dismiss`, admin, {});
    expect(missingReason.status).toBe(400);
    const dismissed = await api<Anomaly & { resolvedBy: string; resolutionReason: string }>(
      'POST',
      `/api/v1/admin/anomalies/${anomaly.id}/dismiss`,
      admin,
      { reason: 'buyer paid the rest by bank transfer' },
    );
    expect(dismissed.status).toBe(200);
    expect(dismissed.body).toMatchObject({
      status: 'DISMISSED',
      resolvedBy: 'e2e-admin',
      resolutionReason: 'buyer paid the rest by bank transfer',
      providerTransactionId: result.notification.trade_no,
    });
    const twice = await api<{ code: string }>('POST', `/api/v1/admin/anomalies/${anomaly.id}/dismiss`, admin, {
      reason: 'again',
    });
    expect(twice.body.code).toBe('ANOMALY_NOT_DISMISSABLE');
    const entries = await eventually(async () => {
      const e = await ledgerOf(order.orderNo);
      return new Set(e.map((x) => x.transactionId)).size === 3 ? e : undefined;
    });
    const balance = (account: string) => balanceOf(entries, account);
    expect(balance('liabilities:refunds-due')).toBe(0);
    expect(balance('revenue:retained-anomalies')).toBe(1);
    expect(balance('liabilities:customer-orders')).toBe(0);
  });

  it('answers 404 for an unknown anomaly and 400 for a malformed id', async () => {
    const unknown = await api<{ code: string }>(
      'POST',
      '/api/v1/admin/anomalies/00000000-0000-4000-8000-000000000000/refund',
      admin,
      {},
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.code).toBe('ANOMALY_NOT_FOUND');
    expect((await api('POST', '/api/v1/admin/anomalies/not-a-uuid/dismiss', admin, { reason: 'x' })).status).toBe(400);
  });
});
