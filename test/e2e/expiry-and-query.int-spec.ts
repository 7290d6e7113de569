import { generateAlipayKeys, AlipaySimulator } from '@shop/provider-simulators';
import { callJson, eventually, startSystem, type RunningSystem } from '@shop/testing';
import { signToken } from '../../apps/api-gateway/src/auth/jwt';

// Expiry and the active query, end to end: five service processes on the real Kafka and PostgreSQL and an
// Alipay simulator. A lost notification is found by the query (and its late callback changes nothing more);
// an unpaid order expires and its Alipay trade is closed.

const JWT_SECRET = 'e2e-secret-0123456789abcdefghijklmnopqrstuv';
const customer = signToken(JWT_SECRET, { sub: 'e2e-expiry-customer', roles: ['customer'] });
const admin = signToken(JWT_SECRET, { sub: 'e2e-admin', roles: ['admin'] });
// Long enough for the query (after 1 s, every 200 ms) to settle a lost payment well before expiry.
const TIMEOUT_SECONDS = 8;

interface Order {
  orderNo: string;
  status: string;
  timeline: { event: string; detail: Record<string, unknown> | null }[];
  payments: { paymentId: string; provider: string; status: string; providerTransactionId: string | null }[];
}

describe('expiry and the active query, end to end', () => {
  let system: RunningSystem;
  let simulator: AlipaySimulator;

  beforeAll(async () => {
    const keys = await generateAlipayKeys();
    simulator = new AlipaySimulator({
      appId: '2021000199990002',
      sellerId: '2088000199990002',
      appPublicKey: keys.app.publicKeyBase64,
      alipayPrivateKey: keys.alipay.privateKeyPem,
    });
    await simulator.start();
    system = await startSystem({
      JWT_SECRET,
      ALIPAY_APP_ID: '2021000199990002',
      ALIPAY_SELLER_ID: '2088000199990002',
      ALIPAY_PRIVATE_KEY: keys.app.privateKeyPkcs8Base64,
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKeyPem,
      ALIPAY_GATEWAY_URL: simulator.gatewayUrl,
      ORDER_PAYMENT_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS),
      EXPIRY_SWEEP_INTERVAL_MS: '200',
      PAYMENT_QUERY_AFTER_SECONDS: '1',
      QUERY_SWEEP_INTERVAL_MS: '200',
      PAYMENT_QUERY_BACKOFF_SECONDS: '1',
    });
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    await simulator?.stop();
  });

  const api = <T>(method: string, path: string, token?: string, body?: unknown) =>
    callJson<T>(system.urls['api-gateway'], method, path, token, body);

  async function orderWithQrPayment(): Promise<string> {
    const products = await api<{ items: { sku: string }[] }>('GET', '/api/v1/products');
    const created = await api<Order>('POST', '/api/v1/orders', customer, {
      items: [{ sku: products.body.items[0].sku, quantity: 1 }],
    });
    expect(created.status).toBe(201);
    const payment = await api('POST', `/api/v1/orders/${created.body.orderNo}/payments`, customer, {
      provider: 'alipay',
      method: 'qr',
    });
    expect(payment.status).toBe(201);
    return created.body.orderNo;
  }

  const orderOf = async (orderNo: string) => (await api<Order>('GET', `/api/v1/orders/${orderNo}`, customer)).body;
  const ledgerOf = async (orderNo: string) =>
    (await api<{ entries: { transactionId: string }[] }>('GET', `/api/v1/admin/orders/${orderNo}/ledger`, admin)).body
      .entries;
  const settle = () => new Promise((resolve) => setTimeout(resolve, 3000));

  it('a lost notification: the query pays the order once; the late callback is acknowledged and changes nothing', async () => {
    const orderNo = await orderWithQrPayment();
    const trade = simulator.markPaidWithoutNotify(orderNo);

    const paid = await eventually(
      async () => {
        // PAID, and the payment-gateway recorded the provider transaction (it consumes the event on its own).
        const order = await orderOf(orderNo);
        return order.status === 'PAID' && order.payments.some((p) => p.providerTransactionId) ? order : undefined;
      },
      { timeoutMs: 30_000, message: `order ${orderNo} PAID by the active query` },
    );
    expect(paid.payments).toEqual([
      expect.objectContaining({ provider: 'alipay', providerTransactionId: trade.tradeNo }),
    ]);
    const ledger = await eventually(async () => {
      const entries = await ledgerOf(orderNo);
      return entries.length > 0 ? entries : undefined;
    });
    expect(ledger).toHaveLength(2);

    // The notification arrives after all: same payment, same event id, one effect.
    const late = await simulator.pay(orderNo);
    expect(late).toMatchObject({ status: 200, body: 'success' });
    await settle();
    const after = await orderOf(orderNo);
    expect(after.status).toBe('PAID');
    expect(after.timeline.filter((e) => e.event === 'paid')).toHaveLength(1);
    expect(after.timeline.map((e) => e.event)).not.toContain('payment-after-final-state');
    const entries = await ledgerOf(orderNo);
    expect(entries).toHaveLength(2);
    expect(new Set(entries.map((e) => e.transactionId)).size).toBe(1);
  });

  it('expiry cancels the unpaid order and closes its Alipay trade', async () => {
    const orderNo = await orderWithQrPayment();
    expect(simulator.trade(orderNo)?.status).toBe('WAIT_BUYER_PAY');

    const cancelled = await eventually(
      async () => {
        const order = await orderOf(orderNo);
        return order.status === 'CANCELLED' ? order : undefined;
      },
      { timeoutMs: 30_000 + TIMEOUT_SECONDS * 1000, message: `order ${orderNo} expired` },
    );
    expect(cancelled).toMatchObject({ cancelReason: 'expired' });
    expect(cancelled.timeline.filter((e) => e.event === 'expired')).toHaveLength(1);
    await eventually(async () => (simulator.trade(orderNo)?.status === 'TRADE_CLOSED' ? true : undefined), {
      message: `Alipay trade ${orderNo} closed`,
    });
    const closed = await eventually(async () => {
      const order = await orderOf(orderNo);
      return order.payments[0]?.status === 'CLOSED' ? order : undefined;
    });
    expect(closed.payments).toHaveLength(1);
    await expect(simulator.pay(orderNo)).rejects.toMatchObject({ code: 'SIMULATOR_TRADE_CLOSED' });
  }, 60_000);
});
