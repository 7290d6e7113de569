import { generateAlipayKeys, AlipaySimulator } from '@shop/provider-simulators';
import { callJson, eventually, startSystem, type RunningSystem } from '@shop/testing';
import { signToken } from '../../apps/api-gateway/src/auth/jwt';

// The core promise, end to end: five service processes on the real Kafka and PostgreSQL, an Alipay simulator
// with keys of its own playing the provider, and a customer driving the public API.

const JWT_SECRET = 'e2e-secret-0123456789abcdefghijklmnopqrstuv';
const customer = signToken(JWT_SECRET, { sub: 'e2e-customer', roles: ['customer'] });
const otherCustomer = signToken(JWT_SECRET, { sub: 'e2e-someone-else', roles: ['customer'] });
const admin = signToken(JWT_SECRET, { sub: 'e2e-admin', roles: ['admin'] });

interface Order {
  orderNo: string;
  status: string;
  totalAmount: number;
  currency: string;
  paidAt: string | null;
  review: { reason: string } | null;
  timeline: { event: string }[];
  payments: { paymentId: string; provider: string; status: string; providerTransactionId: string | null }[];
}

interface LedgerEntry {
  transactionId: string;
  account: string;
  side: 'debit' | 'credit';
  amount: number;
  currency: string;
}

describe('an Alipay payment, end to end', () => {
  let system: RunningSystem;
  let simulator: AlipaySimulator;
  let otherKeys: Awaited<ReturnType<typeof generateAlipayKeys>>;

  beforeAll(async () => {
    const keys = await generateAlipayKeys();
    otherKeys = await generateAlipayKeys();
    simulator = new AlipaySimulator({
      appId: '2021000199990001',
      sellerId: '2088000199990001',
      appPublicKey: keys.app.publicKeyBase64,
      alipayPrivateKey: keys.alipay.privateKeyPem,
    });
    await simulator.start();
    system = await startSystem({
      JWT_SECRET,
      ALIPAY_APP_ID: '2021000199990001',
      ALIPAY_SELLER_ID: '2088000199990001',
      ALIPAY_PRIVATE_KEY: keys.app.privateKeyPkcs8Base64,
      ALIPAY_PUBLIC_KEY: keys.alipay.publicKeyPem,
      ALIPAY_GATEWAY_URL: simulator.gatewayUrl,
    });
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    await simulator?.stop();
  });

  const api = <T>(method: string, path: string, token?: string, body?: unknown) =>
    callJson<T>(system.urls['api-gateway'], method, path, token, body);

  /** A new order of two units of the first catalog product, with a QR payment started at Alipay. */
  async function orderWithQrPayment(): Promise<Order> {
    const products = await api<{ items: { sku: string; unitAmount: number }[] }>('GET', '/api/v1/products');
    expect(products.status).toBe(200);
    const { sku, unitAmount } = products.body.items[0];
    const created = await api<Order>('POST', '/api/v1/orders', customer, { items: [{ sku, quantity: 2 }] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'PENDING_PAYMENT', totalAmount: 2 * unitAmount, currency: 'CNY' });
    const payment = await api<{ paymentId: string; provider: string; qrCode: string }>(
      'POST',
      `/api/v1/orders/${created.body.orderNo}/payments`,
      customer,
      { provider: 'alipay', method: 'qr' },
    );
    expect(payment.status).toBe(201);
    expect(payment.body.provider).toBe('alipay');
    expect(payment.body.qrCode).toMatch(/^https:\/\/qr\.alipay\.com\//);
    return created.body;
  }

  const orderOf = async (orderNo: string) => (await api<Order>('GET', `/api/v1/orders/${orderNo}`, customer)).body;
  const ledgerOf = async (orderNo: string) =>
    (await api<{ entries: LedgerEntry[] }>('GET', `/api/v1/admin/orders/${orderNo}/ledger`, admin)).body.entries;

  async function paidOrder(orderNo: string): Promise<Order> {
    return eventually(
      async () => {
        // PAID, and the payment-gateway recorded the provider transaction (it consumes the event on its own).
        const order = await orderOf(orderNo);
        return order.status === 'PAID' && order.payments.some((p) => p.providerTransactionId) ? order : undefined;
      },
      { timeoutMs: 30_000, message: `order ${orderNo} PAID` },
    );
  }

  async function callbackCount(outcome: string): Promise<number> {
    const text = await (await fetch(`${system.urls['notification-ingest']}/metrics`)).text();
    const line = text
      .split('\n')
      .find((l) => l.startsWith(`payment_callbacks_total{provider="alipay",outcome="${outcome}"}`));
    return line ? Number(line.split(' ').pop()) : 0;
  }

  /** The sum of a metric's series on a service's /metrics whose labels include `labels` (0 when absent). */
  async function metric(
    service: keyof typeof system.urls,
    name: string,
    labels: Record<string, string> = {},
  ): Promise<number> {
    const text = await (await fetch(`${system.urls[service]}/metrics`)).text();
    const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
    return text
      .split('\n')
      .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
      .filter((l) => wanted.every((w) => l.slice(0, l.lastIndexOf(' ')).includes(w)))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
  }

  function expectOneBalancedPosting(entries: LedgerEntry[], amount: number): void {
    expect(entries).toHaveLength(2);
    expect(new Set(entries.map((e) => e.transactionId)).size).toBe(1);
    const debit = entries.find((e) => e.side === 'debit')!;
    const credit = entries.find((e) => e.side === 'credit')!;
    expect(debit).toMatchObject({ account: 'assets:alipay-clearing', amount, currency: 'CNY' });
    expect(credit).toMatchObject({ account: 'liabilities:customer-orders', amount, currency: 'CNY' });
  }

  /** Waits long enough for a wrong effect to show, then checks it did not: the pipeline settles well within this. */
  const settle = () => new Promise((resolve) => setTimeout(resolve, 3000));

  it('happy path: order, QR payment, notification, PAID, one balanced posting', async () => {
    const order = await orderWithQrPayment();
    const result = await simulator.pay(order.orderNo);
    expect(result.status).toBe(200);
    expect(result.body).toBe('success');

    const paid = await paidOrder(order.orderNo);
    expect(paid.paidAt).not.toBeNull();
    expect(paid.payments).toEqual([
      expect.objectContaining({ provider: 'alipay', providerTransactionId: result.notification['trade_no'] }),
    ]);
    await eventually(async () => ((await ledgerOf(order.orderNo)).length > 0 ? true : undefined));
    expectOneBalancedPosting(await ledgerOf(order.orderNo), order.totalAmount);
    await eventually(
      async () => ((await orderOf(order.orderNo)).payments[0]?.status === 'SUCCEEDED' ? true : undefined),
      {
        message: 'the payment attempt marked SUCCEEDED',
      },
    );
  });

  it('the same notification 10 times at once: 10 x success, one transition, one posting', async () => {
    const order = await orderWithQrPayment();
    const result = await simulator.pay(order.orderNo, { concurrent: 10 });
    expect(result.deliveries).toHaveLength(10);
    expect(result.deliveries.every((d) => d.status === 200 && d.body === 'success')).toBe(true);

    const paid = await paidOrder(order.orderNo);
    await settle();
    const after = await orderOf(order.orderNo);
    expect(after.timeline.filter((t) => t.event === 'paid')).toHaveLength(1);
    expect(after.paidAt).toBe(paid.paidAt);
    expectOneBalancedPosting(await ledgerOf(order.orderNo), order.totalAmount);
  });

  it('rejects a total_amount tampered under the original signature; the order stays PENDING_PAYMENT', async () => {
    const order = await orderWithQrPayment();
    const rejectedBefore = await callbackCount('rejected_signature');
    const result = await simulator.pay(order.orderNo, { tamper: { total_amount: '0.01' } });
    expect(result.status).toBeGreaterThanOrEqual(400);
    expect(result.body).not.toBe('success');
    expect(await callbackCount('rejected_signature')).toBe(rejectedBefore + 1);
    await settle();
    expect((await orderOf(order.orderNo)).status).toBe('PENDING_PAYMENT');
    expect(await ledgerOf(order.orderNo)).toEqual([]);
  });

  it('rejects a notification signed by a key that is not Alipay’s', async () => {
    const order = await orderWithQrPayment();
    const result = await simulator.pay(order.orderNo, { signWithKey: otherKeys.alipay.privateKeyPem });
    expect(result.status).toBeGreaterThanOrEqual(400);
    expect(result.body).not.toBe('success');
    await settle();
    expect((await orderOf(order.orderNo)).status).toBe('PENDING_PAYMENT');
  });

  it('rejects a validly signed notification for another app_id', async () => {
    const order = await orderWithQrPayment();
    const before = await callbackCount('rejected_merchant');
    const result = await simulator.pay(order.orderNo, { appId: '2021000100009999' });
    expect(result.status).toBeGreaterThanOrEqual(400);
    expect(await callbackCount('rejected_merchant')).toBe(before + 1);
    await settle();
    expect((await orderOf(order.orderNo)).status).toBe('PENDING_PAYMENT');
  });

  it('acknowledges a valid notification for an unknown order and keeps it as an orphan', async () => {
    const order = await orderWithQrPayment();
    const before = await callbackCount('orphan');
    const result = await simulator.pay(order.orderNo, { outTradeNo: '20261127000000UNKNOWN1' });
    expect(result.status).toBe(200);
    expect(result.body).toBe('success');
    expect(await callbackCount('orphan')).toBe(before + 1);
    await settle();
    expect((await orderOf(order.orderNo)).status).toBe('PENDING_PAYMENT');
    expect(await ledgerOf('20261127000000UNKNOWN1')).toEqual([]);
  });

  it('flags a validly signed payment of the wrong amount for review instead of marking it PAID', async () => {
    const order = await orderWithQrPayment();
    const result = await simulator.pay(order.orderNo, { amount: '0.01' });
    expect(result.body).toBe('success');
    const flagged = await eventually(
      async () => {
        const current = await orderOf(order.orderNo);
        return current.review ? current : undefined;
      },
      { message: 'order flagged for review' },
    );
    expect(flagged.status).toBe('PENDING_PAYMENT');
    expect(flagged.review?.reason).toBe('AMOUNT_MISMATCH');
  });

  it('counts it for operations: payments started and succeeded, provider calls, anomalies, outbox, lag', async () => {
    const started = await metric('payment-gateway', 'payments_started_total', { provider: 'alipay' });
    const succeeded = await metric('payment-gateway', 'payments_succeeded_total', { provider: 'alipay' });
    const calls = await metric('payment-gateway', 'provider_request_duration_seconds_count', {
      provider: 'alipay',
      operation: 'pay',
      outcome: 'ok',
    });
    const order = await orderWithQrPayment();
    expect(await metric('payment-gateway', 'payments_started_total', { provider: 'alipay' })).toBe(started + 1);
    expect(
      await metric('payment-gateway', 'provider_request_duration_seconds_count', {
        provider: 'alipay',
        operation: 'pay',
        outcome: 'ok',
      }),
    ).toBe(calls + 1);
    await simulator.pay(order.orderNo);
    await paidOrder(order.orderNo);
    await eventually(async () =>
      (await metric('payment-gateway', 'payments_succeeded_total', { provider: 'alipay' })) === succeeded + 1
        ? true
        : undefined,
    );
    // The wrong-amount payment above became an AMOUNT_MISMATCH anomaly at the payment-gateway.
    await eventually(async () =>
      (await metric('payment-gateway', 'payment_anomalies_total', { type: 'AMOUNT_MISMATCH' })) >= 1 ? true : undefined,
    );
    // Every series the alerts read exists on the service that owns it.
    for (const service of ['order-service', 'payment-gateway', 'ledger-service', 'notification-ingest'] as const) {
      const text = await (await fetch(`${system.urls[service]}/metrics`)).text();
      expect(text).toMatch(/^outbox_backlog_events \d+/m);
      expect(text).toMatch(/^outbox_oldest_unpublished_age_seconds [\d.e+-]+/m);
    }
    expect(await metric('payment-gateway', 'payments_pending_stuck')).toBe(0);
    expect(await metric('order-service', 'orders_unpaid_stuck')).toBe(0);
    // Lag is read every 5 s: the order-service's group shows up, caught up.
    const lag = await eventually(
      async () => {
        const text = await (await fetch(`${system.urls['order-service']}/metrics`)).text();
        return /^messaging_consumer_lag_messages\{group="order-service",topic="payments\.payment-succeeded\.v1"\} (\d+)/m.exec(
          text,
        )?.[1];
      },
      { timeoutMs: 20_000, message: 'consumer lag of order-service' },
    );
    expect(Number(lag)).toBe(0);
  });

  it('hides another customer’s order behind a 404', async () => {
    const order = await orderWithQrPayment();
    const response = await api('GET', `/api/v1/orders/${order.orderNo}`, otherCustomer);
    expect(response.status).toBe(404);
  });

  it('pays exactly once when the order-service is SIGKILLed between acknowledgement and consumption', async () => {
    const order = await orderWithQrPayment();
    await system.kill('order-service', 'SIGKILL');
    // Acknowledged while nobody consumes: the event waits in Kafka (and the outbox) for the restart.
    const first = await simulator.pay(order.orderNo);
    expect(first.body).toBe('success');
    const repeats = await simulator.pay(order.orderNo, { concurrent: 5 });
    expect(repeats.deliveries.every((d) => d.body === 'success')).toBe(true);
    await system.restart('order-service');

    await paidOrder(order.orderNo);
    await settle();
    const after = await orderOf(order.orderNo);
    expect(after.status).toBe('PAID');
    expect(after.timeline.filter((t) => t.event === 'paid')).toHaveLength(1);
    expectOneBalancedPosting(await ledgerOf(order.orderNo), order.totalAmount);
  });
});
