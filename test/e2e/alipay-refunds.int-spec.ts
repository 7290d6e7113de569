import { randomUUID } from 'node:crypto';
import { generateAlipayKeys, AlipaySimulator } from '@shop/provider-simulators';
import { callJson, eventually, startSystem, type RunningSystem } from '@shop/testing';
import { balanceOf } from './provider-drivers';
import { signToken } from '../../apps/api-gateway/src/auth/jwt';

// Money going out, end to end: five service processes on the real Kafka and PostgreSQL, an Alipay simulator with
// keys of its own, an admin refunding through the public API. The simulator is the witness: it verifies every
// signed alipay.trade.refund and keeps what it refunded.

const JWT_SECRET = 'e2e-secret-0123456789abcdefghijklmnopqrstuv';
const customer = signToken(JWT_SECRET, { sub: 'e2e-refund-customer', roles: ['customer'] });
const admin = signToken(JWT_SECRET, { sub: 'e2e-refund-admin', roles: ['admin'] });

interface Refund {
  refundId: string;
  orderNo: string;
  provider: string;
  amount: number;
  currency: string;
  status: 'PENDING' | 'SUCCEEDED' | 'FAILED';
  reason: string;
  createdAt: string;
  completedAt: string | null;
}

interface Order {
  orderNo: string;
  status: string;
  totalAmount: number;
  refundedAmount: number;
  providerTransactionId: string | null;
  refunds: Refund[];
  timeline: { event: string; actor: string; detail: Record<string, unknown> | null }[];
  payments: { providerTransactionId: string | null }[];
}

interface LedgerEntry {
  transactionId: string;
  account: string;
  side: 'debit' | 'credit';
  amount: number;
}

interface Anomaly {
  id: string;
  type: string;
  orderNo: string;
  providerTransactionId: string;
  status: string;
  refundId: string | null;
}

describe('Alipay refunds, end to end', () => {
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
      REFUND_SWEEP_INTERVAL_MS: '300',
    });
  }, 120_000);

  afterAll(async () => {
    await system?.stop();
    await simulator?.stop();
  });

  const api = <T>(method: string, path: string, token?: string, body?: unknown, headers: Record<string, string> = {}) =>
    callJson<T>(system.urls['api-gateway'], method, path, token, body, headers);
  const orderOf = async (orderNo: string) => (await api<Order>('GET', `/api/v1/orders/${orderNo}`, customer)).body;
  const ledgerOf = async (orderNo: string) =>
    (await api<{ entries: LedgerEntry[] }>('GET', `/api/v1/admin/orders/${orderNo}/ledger`, admin)).body.entries;
  const refund = (orderNo: string, amount: number, key?: string) =>
    api<Refund & { code?: string }>(
      'POST',
      `/api/v1/admin/orders/${orderNo}/refunds`,
      admin,
      { amount, reason: 'customer returned goods' },
      key === undefined ? {} : { 'idempotency-key': key },
    );

  /** A paid order of `quantity` units of the first product; waits until PAID with the payment recorded. */
  async function paidOrder(quantity = 2): Promise<Order> {
    const products = await api<{ items: { sku: string }[] }>('GET', '/api/v1/products');
    const created = await api<Order>('POST', '/api/v1/orders', customer, {
      items: [{ sku: products.body.items[0].sku, quantity }],
    });
    expect(created.status).toBe(201);
    const started = await api('POST', `/api/v1/orders/${created.body.orderNo}/payments`, customer, {
      provider: 'alipay',
      method: 'qr',
    });
    expect(started.status).toBe(201);
    expect((await simulator.pay(created.body.orderNo)).body).toBe('success');
    return eventually(
      async () => {
        const order = await orderOf(created.body.orderNo);
        return order.status === 'PAID' && order.payments.some((p) => p.providerTransactionId) ? order : undefined;
      },
      { timeoutMs: 30_000, message: `order ${created.body.orderNo} PAID` },
    );
  }

  const refundsAtAlipay = (orderNo: string) => simulator.trade(orderNo)?.refunds ?? [];
  const requestsAtAlipay = (tradeNo: string) =>
    simulator.refundRequests().filter((r) => JSON.parse(r.biz_content).trade_no === tradeNo);

  it('a partial, a second partial, then the rest: signed refunds in yuan, PARTIALLY_REFUNDED then REFUNDED, ledger reversed', async () => {
    const order = await paidOrder(2);
    const total = order.totalAmount;
    const first = await refund(order.orderNo, 1000);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      refundId: expect.any(String),
      orderNo: order.orderNo,
      provider: 'alipay',
      amount: 1000,
      currency: 'CNY',
      status: 'SUCCEEDED',
      reason: 'customer returned goods',
      createdAt: expect.any(String),
    });
    await eventually(async () => ((await orderOf(order.orderNo)).status === 'PARTIALLY_REFUNDED' ? true : undefined));
    const second = await refund(order.orderNo, 2050);
    expect(second.body.status).toBe('SUCCEEDED');
    await eventually(async () => ((await orderOf(order.orderNo)).refundedAmount === 3050 ? true : undefined));
    expect((await orderOf(order.orderNo)).status).toBe('PARTIALLY_REFUNDED');
    const rest = await refund(order.orderNo, total - 3050);
    expect(rest.body.status).toBe('SUCCEEDED');
    const refunded = await eventually(async () => {
      const o = await orderOf(order.orderNo);
      return o.status === 'REFUNDED' ? o : undefined;
    });
    expect(refunded.refundedAmount).toBe(total);
    expect(refunded.refunds.map((r) => [r.amount, r.status])).toEqual([
      [1000, 'SUCCEEDED'],
      [2050, 'SUCCEEDED'],
      [total - 3050, 'SUCCEEDED'],
    ]);
    expect(refunded.refunds.every((r) => r.completedAt !== null)).toBe(true);
    // The audit: each refund on the timeline with the admin who asked and the amounts.
    expect(refunded.timeline.filter((e) => e.event === 'refunded')).toEqual([
      expect.objectContaining({ actor: 'e2e-refund-admin', detail: expect.objectContaining({ amount: 1000 }) }),
      expect.objectContaining({ detail: expect.objectContaining({ amount: 2050, refundedAmount: 3050 }) }),
      expect.objectContaining({ detail: expect.objectContaining({ refundedAmount: total }) }),
    ]);

    // At Alipay: three refunds with distinct out_request_no, amounts in yuan, the trade closed by the last.
    const tradeNo = refunded.providerTransactionId!;
    const requests = requestsAtAlipay(tradeNo).map((r) => JSON.parse(r.biz_content));
    expect(new Set(requests.map((r) => r.out_request_no)).size).toBe(3);
    expect(requests.map((r) => r.refund_amount)).toEqual([
      '10.00',
      '20.50',
      `${Math.floor((total - 3050) / 100)}.${String((total - 3050) % 100).padStart(2, '0')}`,
    ]);
    expect(refundsAtAlipay(order.orderNo)).toHaveLength(3);
    expect(simulator.trade(order.orderNo)?.status).toBe('TRADE_CLOSED');

    // The ledger: the payment and three refunds, each balanced; customer-orders back to 0, clearing back to 0.
    const entries = await eventually(async () => {
      const e = await ledgerOf(order.orderNo);
      return new Set(e.map((x) => x.transactionId)).size === 4 ? e : undefined;
    });
    expect(balanceOf(entries, 'liabilities:customer-orders')).toBe(0);
    expect(balanceOf(entries, 'assets:alipay-clearing')).toBe(0);

    // Counted for operations: refunds_total on the payment-gateway's /metrics.
    const metrics = await (await fetch(`${system.urls['payment-gateway']}/metrics`)).text();
    const counted = (status: string) =>
      Number(
        metrics
          .split('\n')
          .find((l) => l.startsWith(`refunds_total{provider="alipay",status="${status}"}`))
          ?.split(' ')
          .pop(),
      );
    expect(counted('REQUESTED')).toBeGreaterThanOrEqual(3);
    expect(counted('SUCCEEDED')).toBeGreaterThanOrEqual(3);

    // Alipay's refund notifications (TRADE_SUCCESS with refund_fee, then TRADE_CLOSED) were not read as payments.
    const after = await orderOf(order.orderNo);
    expect(after.timeline.filter((e) => e.event === 'paid')).toHaveLength(1);
    const anomalies = await api<{ items: Anomaly[] }>('GET', '/api/v1/admin/anomalies?pageSize=100', admin);
    expect(anomalies.body.items.filter((a) => a.orderNo === order.orderNo)).toEqual([]);
  });

  it('a refund notification delivered 10 times: acknowledged each time, one refund, never a payment', async () => {
    const order = await paidOrder(1);
    expect((await refund(order.orderNo, 300)).body.status).toBe('SUCCEEDED');
    const deliveries = await Promise.all(Array.from({ length: 10 }, () => simulator.notifyLatestRefund(order.orderNo)));
    expect(deliveries.flatMap((d) => d.deliveries).map((d) => d.body)).toEqual(Array(10).fill('success'));
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const after = await orderOf(order.orderNo);
    expect(after).toMatchObject({ status: 'PARTIALLY_REFUNDED', refundedAmount: 300 });
    expect(after.refunds).toHaveLength(1);
    expect(after.timeline.filter((e) => e.event === 'paid')).toHaveLength(1);
    expect(after.timeline.filter((e) => e.event === 'refunded')).toHaveLength(1);
    expect(refundsAtAlipay(order.orderNo)).toHaveLength(1);
  });

  it('refuses more than was captured: 409 REFUND_EXCEEDS_CAPTURED, nothing sent to Alipay', async () => {
    const order = await paidOrder(1);
    const tooMuch = await refund(order.orderNo, order.totalAmount + 1);
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body).toMatchObject({ code: 'REFUND_EXCEEDS_CAPTURED' });
    expect(requestsAtAlipay(order.providerTransactionId!)).toHaveLength(0);
  });

  it('50 concurrent refunds of one order never exceed what was captured', async () => {
    const order = await paidOrder(1);
    const each = Math.ceil(order.totalAmount / 10);
    const answers = await Promise.all(Array.from({ length: 50 }, () => refund(order.orderNo, each)));
    const succeeded = answers.filter((a) => a.status === 201 && a.body.status === 'SUCCEEDED');
    const refused = answers.filter((a) => a.status === 409);
    expect(succeeded.length + refused.length).toBe(50);
    expect(refused.every((a) => a.body.code === 'REFUND_EXCEEDS_CAPTURED')).toBe(true);
    expect(succeeded.length * each).toBeLessThanOrEqual(order.totalAmount);
    expect(succeeded.length).toBe(Math.floor(order.totalAmount / each));
    const atAlipay = refundsAtAlipay(order.orderNo).reduce(
      (sum, r) => sum + Math.round(Number(r.refundAmount) * 100),
      0,
    );
    expect(atAlipay).toBe(succeeded.length * each);
    await eventually(async () =>
      (await orderOf(order.orderNo)).refundedAmount === succeeded.length * each ? true : undefined,
    );
  });

  it('a retried request with the same Idempotency-Key refunds once and answers the same refund', async () => {
    const order = await paidOrder(1);
    const key = randomUUID();
    const first = await refund(order.orderNo, 500, key);
    const again = await refund(order.orderNo, 500, key);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.refundId).toBe(first.body.refundId);
    expect(requestsAtAlipay(order.providerTransactionId!)).toHaveLength(1);
    expect(refundsAtAlipay(order.orderNo)).toHaveLength(1);
  });

  it('an answer lost on the way back: PENDING, then sent again with the same out_request_no, refunded once', async () => {
    const order = await paidOrder(1);
    simulator.dropRefundAnswers(1);
    const lost = await refund(order.orderNo, 700);
    expect(lost.status).toBe(201);
    expect(lost.body.status).toBe('PENDING');
    const settled = await eventually(
      async () => {
        const o = await orderOf(order.orderNo);
        return o.refunds[0]?.status === 'SUCCEEDED' ? o : undefined;
      },
      { timeoutMs: 30_000, message: 'the lost refund settled by the sweep' },
    );
    expect(settled.refundedAmount).toBe(700);
    const requests = requestsAtAlipay(order.providerTransactionId!).map((r) => JSON.parse(r.biz_content));
    expect(requests.length).toBeGreaterThanOrEqual(2);
    expect(new Set(requests.map((r) => r.out_request_no)).size).toBe(1);
    expect(refundsAtAlipay(order.orderNo)).toHaveLength(1);
  });

  it('refuses an unpaid order (409 ORDER_NOT_REFUNDABLE), a zero amount (400) and a customer (403)', async () => {
    const products = await api<{ items: { sku: string }[] }>('GET', '/api/v1/products');
    const unpaid = await api<Order>('POST', '/api/v1/orders', customer, {
      items: [{ sku: products.body.items[0].sku, quantity: 1 }],
    });
    const notPaid = await refund(unpaid.body.orderNo, 100);
    expect(notPaid.status).toBe(409);
    expect(notPaid.body.code).toBe('ORDER_NOT_REFUNDABLE');
    const paid = await paidOrder(1);
    expect((await refund(paid.orderNo, 0)).status).toBe(400);
    const asCustomer = await api('POST', `/api/v1/admin/orders/${paid.orderNo}/refunds`, customer, {
      amount: 100,
      reason: 'x',
    });
    expect(asCustomer.status).toBe(403);
  });

  it('refunds a duplicate payment automatically: the second transaction only, the anomaly REFUNDED, the books even', async () => {
    const order = await paidOrder(1);
    const second = await simulator.pay(order.orderNo, { newTransaction: true });
    expect(second.body).toBe('success');
    const secondTradeNo = second.notification.trade_no;
    const anomaly = await eventually(
      async () => {
        const page = await api<{ items: Anomaly[] }>(
          'GET',
          '/api/v1/admin/anomalies?type=DUPLICATE_PAYMENT&pageSize=100',
          admin,
        );
        const found = page.body.items.find((a) => a.providerTransactionId === secondTradeNo);
        return found?.status === 'REFUNDED' ? found : undefined;
      },
      { timeoutMs: 30_000, message: 'the duplicate payment refunded' },
    );
    expect(anomaly.refundId).toEqual(expect.any(String));
    const requests = simulator.refundRequests().map((r) => JSON.parse(r.biz_content));
    expect(requests.filter((r) => r.trade_no === secondTradeNo)).toHaveLength(1);
    expect(requests.filter((r) => r.trade_no === order.providerTransactionId)).toHaveLength(0);
    const after = await orderOf(order.orderNo);
    expect(after).toMatchObject({ status: 'PAID', refundedAmount: 0 });
    // Ledger: both payments in, the duplicate held on refunds-due and refunded; the order's money stays.
    const entries = await eventually(async () => {
      const e = await ledgerOf(order.orderNo);
      return new Set(e.map((x) => x.transactionId)).size === 4 ? e : undefined;
    });
    expect(balanceOf(entries, 'liabilities:customer-orders')).toBe(order.totalAmount);
    expect(balanceOf(entries, 'liabilities:refunds-due')).toBe(0);
    expect(-balanceOf(entries, 'assets:alipay-clearing')).toBe(order.totalAmount);
  });

  it('a customer cancels an unpaid order: CANCELLED, the Alipay trade closed; money after that goes back by itself', async () => {
    const products = await api<{ items: { sku: string }[] }>('GET', '/api/v1/products');
    const created = await api<Order>('POST', '/api/v1/orders', customer, {
      items: [{ sku: products.body.items[0].sku, quantity: 1 }],
    });
    const orderNo = created.body.orderNo;
    expect(
      (await api('POST', `/api/v1/orders/${orderNo}/payments`, customer, { provider: 'alipay', method: 'qr' })).status,
    ).toBe(201);
    const cancelled = await api<Order & { cancelReason: string }>(
      'POST',
      `/api/v1/orders/${orderNo}/cancel`,
      customer,
      {
        note: 'changed my mind',
      },
    );
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'CANCELLED', cancelReason: 'customer' });
    expect(cancelled.body.timeline.at(-1)).toMatchObject({ event: 'cancelled', actor: 'e2e-refund-customer' });
    await eventually(async () => (simulator.trade(orderNo)?.status === 'TRADE_CLOSED' ? true : undefined), {
      timeoutMs: 30_000,
      message: 'the Alipay trade closed',
    });
    // Cancelling twice is refused; the order stays as it is.
    const again = await api<{ code: string }>('POST', `/api/v1/orders/${orderNo}/cancel`, customer, {});
    expect(again.status).toBe(409);
    expect(again.body.code).toBe('ORDER_NOT_CANCELLABLE');
    // The buyer pays all the same (another payment of the closed trade): a LATE_PAYMENT, refunded automatically.
    const late = await simulator.pay(orderNo, { newTransaction: true });
    expect(late.body).toBe('success');
    const anomaly = await eventually(
      async () => {
        const page = await api<{ items: { orderNo: string; status: string; type: string }[] }>(
          'GET',
          '/api/v1/admin/anomalies?type=LATE_PAYMENT&pageSize=100',
          admin,
        );
        const found = page.body.items.find((a) => a.orderNo === orderNo);
        return found?.status === 'REFUNDED' ? found : undefined;
      },
      { timeoutMs: 30_000, message: 'the late payment refunded' },
    );
    expect(anomaly.type).toBe('LATE_PAYMENT');
    expect((await orderOf(orderNo)).status).toBe('CANCELLED');
  });
});
