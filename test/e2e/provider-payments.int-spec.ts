import {
  callJson,
  eventually,
  startProviderFixtures,
  startSystem,
  type ProviderFixtures,
  type RunningSystem,
} from '@shop/testing';
import { signToken } from '../../apps/api-gateway/src/auth/jwt';
import { type ProviderDriver, balanceOf, orderWithPayment, providerDrivers } from './provider-drivers';

// WeChat Pay, UnionPay and Stripe end to end: five service processes on the real Kafka and PostgreSQL, each
// provider played by its simulator with keys of its own, a customer driving the public API. The same promise
// as Alipay's: one callback or ten at once is one PAID transition and one balanced posting; a tampered body
// changes nothing; a second payment of a paid order is an anomaly to refund, never a second effect.

const JWT_SECRET = 'e2e-secret-providers-0123456789abcdefghijklmnop';
const customer = signToken(JWT_SECRET, { sub: 'e2e-providers-customer', roles: ['customer'] });
const admin = signToken(JWT_SECRET, { sub: 'e2e-admin', roles: ['admin'] });

interface Order {
  orderNo: string;
  status: string;
  totalAmount: number;
  currency: string;
  paidAt: string | null;
  providerTransactionId: string | null;
  timeline: { event: string }[];
  payments: { provider: string; status: string; providerTransactionId: string | null }[];
}

interface LedgerEntry {
  transactionId: string;
  account: string;
  side: 'debit' | 'credit';
  amount: number;
  currency: string;
}

interface Anomaly {
  type: string;
  orderNo: string;
  provider: string;
  providerTransactionId: string;
  amount: number;
  currency: string;
  status: string;
}

let system: RunningSystem;
let fixtures: ProviderFixtures;

beforeAll(async () => {
  fixtures = await startProviderFixtures();
  system = await startSystem({ JWT_SECRET, ...fixtures.env, REFUND_SWEEP_INTERVAL_MS: '300' });
  fixtures.useWebhookUrl(`${system.urls['notification-ingest']}/callbacks/stripe`);
}, 120_000);

afterAll(async () => {
  await system?.stop();
  await fixtures?.stop();
});

const api = <T>(method: string, path: string, token?: string, body?: unknown) =>
  callJson<T>(system.urls['api-gateway'], method, path, token, body);
const orderOf = async (orderNo: string) => (await api<Order>('GET', `/api/v1/orders/${orderNo}`, customer)).body;
const ledgerOf = async (orderNo: string) =>
  (await api<{ entries: LedgerEntry[] }>('GET', `/api/v1/admin/orders/${orderNo}/ledger`, admin)).body.entries;
/** Waits long enough for a wrong effect to show, then checks it did not: the pipeline settles well within this. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 3000));

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

function expectOneBalancedPosting(entries: LedgerEntry[], provider: string, amount: number): void {
  expectBalancedPostings(entries, [provider], amount);
}

/** One balanced journal transaction per money movement, in order: the provider's clearing account against ours. */
function expectBalancedPostings(entries: LedgerEntry[], providers: string[], amount: number): void {
  const transactions = [...new Set(entries.map((e) => e.transactionId))];
  expect(transactions).toHaveLength(providers.length);
  transactions.forEach((id, i) => {
    const posting = entries.filter((e) => e.transactionId === id);
    expect(posting).toHaveLength(2);
    const debit = { account: `assets:${providers[i]}-clearing`, amount };
    expect(posting.find((e) => e.side === 'debit')).toMatchObject(debit);
    expect(posting.find((e) => e.side === 'credit')).toMatchObject({ account: 'liabilities:customer-orders', amount });
  });
}

describe.each(['wechatpay', 'unionpay', 'stripe'])('%s, end to end', (name) => {
  let driver: ProviderDriver;

  beforeAll(() => {
    driver = providerDrivers(fixtures).find((d) => d.provider === name)!;
  });

  const startPayment = () => orderWithPayment<Order>(system.urls['api-gateway'], customer, driver);

  async function anomalyOf(orderNo: string, type: string): Promise<Anomaly> {
    return eventually(
      async () => {
        const page = await api<{ items: Anomaly[] }>('GET', `/api/v1/admin/anomalies?type=${type}&pageSize=100`, admin);
        return page.body.items.find((a) => a.orderNo === orderNo);
      },
      { timeoutMs: 30_000, message: `${type} for ${orderNo} listed` },
    );
  }

  it('happy path: payment, verified callback, PAID with the provider transaction, one balanced posting', async () => {
    const order = await startPayment();
    const paid = await driver.pay(order.orderNo);
    expect(paid.deliveries.every((d) => driver.acknowledged(d))).toBe(true);

    const { payments } = await paidOrder(order.orderNo);
    expect(payments).toEqual([
      expect.objectContaining({ provider: driver.provider, providerTransactionId: paid.transactionId }),
    ]);
    await eventually(async () => ((await ledgerOf(order.orderNo)).length > 0 ? true : undefined));
    expectOneBalancedPosting(await ledgerOf(order.orderNo), driver.provider, order.totalAmount);
  });

  it('the same notification 10 times at once: all acknowledged, one transition, one posting', async () => {
    const order = await startPayment();
    const paid = await driver.pay(order.orderNo, { concurrent: 10 });
    expect(paid.deliveries.length).toBeGreaterThanOrEqual(10);
    expect(paid.deliveries.filter((d) => !driver.acknowledged(d))).toEqual([]);

    await paidOrder(order.orderNo);
    await settle();
    const after = await orderOf(order.orderNo);
    expect(after.timeline.filter((t) => t.event === 'paid')).toHaveLength(1);
    expectOneBalancedPosting(await ledgerOf(order.orderNo), driver.provider, order.totalAmount);
  });

  it('refuses a body changed after signing; the order stays PENDING_PAYMENT with no posting', async () => {
    const order = await startPayment();
    const paid = await driver.pay(order.orderNo, { tamper: true });
    expect(paid.deliveries.length).toBeGreaterThan(0);
    for (const delivery of paid.deliveries) {
      expect(driver.acknowledged(delivery)).toBe(false);
      expect(delivery.status).toBeGreaterThanOrEqual(400);
    }
    await settle();
    expect((await orderOf(order.orderNo)).status).toBe('PENDING_PAYMENT');
    expect(await ledgerOf(order.orderNo)).toEqual([]);
  });

  // ANOMALY_AUTO_REFUND covers DUPLICATE_PAYMENT by default: the second payment goes back to the buyer by itself.
  it('a second payment of a paid order is a DUPLICATE_PAYMENT, held on refunds-due and refunded automatically', async () => {
    const order = await startPayment();
    const first = await driver.pay(order.orderNo);
    await paidOrder(order.orderNo);
    const second = await driver.pay(order.orderNo, { newTransaction: true });
    expect(second.deliveries.every((d) => driver.acknowledged(d))).toBe(true);
    expect(second.transactionId).not.toBe(first.transactionId);

    const listed = await anomalyOf(order.orderNo, 'DUPLICATE_PAYMENT');
    expect(listed).toMatchObject({
      provider: driver.provider,
      providerTransactionId: second.transactionId,
      amount: order.totalAmount,
      currency: order.currency,
    });
    const anomaly = await eventually(
      async () => {
        const now = await anomalyOf(order.orderNo, 'DUPLICATE_PAYMENT');
        return now.status === 'REFUNDED' ? now : undefined;
      },
      { timeoutMs: 30_000, message: 'the duplicate settled' },
    );
    expect(anomaly.status).toBe('REFUNDED');
    const after = await orderOf(order.orderNo);
    expect(after.timeline.filter((t) => t.event === 'paid')).toHaveLength(1);
    // The journal records every money movement: both payments in, the second held on refunds-due until it goes
    // back to the buyer.
    const postings = 4;
    const entries = await eventually(async () => {
      const e = await ledgerOf(order.orderNo);
      return new Set(e.map((x) => x.transactionId)).size === postings ? e : undefined;
    });
    const balance = (account: string) => balanceOf(entries, account);
    expect(balance('liabilities:customer-orders')).toBe(order.totalAmount);
    expect(balance('liabilities:refunds-due')).toBe(0);
    expect(-balance(`assets:${driver.provider}-clearing`)).toBe(order.totalAmount);
  });
});

describe('two providers, one order', () => {
  it('pays by the first provider to report and lists the other payment as DUPLICATE_PAYMENT', async () => {
    const [wechat, stripe] = ['wechatpay', 'stripe'].map((name) =>
      providerDrivers(fixtures).find((d) => d.provider === name)!,
    );
    const products = await api<{ items: { sku: string }[] }>('GET', '/api/v1/products');
    const created = await api<Order>('POST', '/api/v1/orders', customer, {
      items: [{ sku: products.body.items[0].sku, quantity: 1 }],
    });
    const orderNo = created.body.orderNo;
    // The buyer opens both (a QR code on one device, a checkout page on another) before paying either.
    for (const driver of [wechat, stripe]) {
      const started = await api('POST', `/api/v1/orders/${orderNo}/payments`, customer, {
        provider: driver.provider,
        method: driver.method,
      });
      expect(started.status).toBe(201);
    }
    const first = await wechat.pay(orderNo);
    await paidOrder(orderNo);
    const second = await stripe.pay(orderNo);
    expect(second.deliveries.every((d) => stripe.acknowledged(d))).toBe(true);

    const anomaly = await eventually(
      async () => {
        const page = await api<{ items: Anomaly[] }>('GET', '/api/v1/admin/anomalies?type=DUPLICATE_PAYMENT', admin);
        return page.body.items.find((a) => a.orderNo === orderNo);
      },
      { timeoutMs: 30_000, message: `DUPLICATE_PAYMENT for ${orderNo} listed` },
    );
    expect(anomaly).toMatchObject({ provider: 'stripe', providerTransactionId: second.transactionId });
    const after = await orderOf(orderNo);
    // The order stays paid by the first payment; the second attempt succeeded at Stripe all the same (the money is
    // real), which is what the anomaly is for.
    expect(after).toMatchObject({ status: 'PAID', providerTransactionId: first.transactionId });
    // Both payments posted; the Stripe one held on refunds-due and, refunded automatically, back out of the books.
    const total = created.body.totalAmount;
    const entries = await eventually(async () => {
      const e = await ledgerOf(orderNo);
      return new Set(e.map((x) => x.transactionId)).size === 4 ? e : undefined;
    });
    expectBalancedPostings(
      entries.filter((e) =>
        entries.some(
          (x) => x.transactionId === e.transactionId && x.account.endsWith('-clearing') && x.side === 'debit',
        ),
      ),
      ['wechatpay', 'stripe'],
      total,
    );
    const balance = (account: string) => balanceOf(entries, account);
    expect(balance('liabilities:customer-orders')).toBe(total);
    expect(balance('liabilities:refunds-due')).toBe(0);
    expect(balance('assets:stripe-clearing')).toBe(0);
  });
});

describe.each(['stripe', 'wechatpay', 'unionpay'])('%s refunds', (name) => {
  it('a partial, a second partial and the rest: each once at the provider, the order REFUNDED, the ledger even', async () => {
    const driver = providerDrivers(fixtures).find((d) => d.provider === name)!;
    const order = await orderWithPayment<Order>(system.urls['api-gateway'], customer, driver);
    const paid = await driver.pay(order.orderNo);
    await paidOrder(order.orderNo);
    const total = order.totalAmount;
    /** Refunds and waits until the provider confirmed it (Stripe at once; WeChat Pay and UnionPay by notification). */
    const refund = async (amount: number) => {
      const answer = await api<{ refundId: string; status: string; amount: number; code?: string }>(
        'POST',
        `/api/v1/admin/orders/${order.orderNo}/refunds`,
        admin,
        { amount, reason: 'returned' },
      );
      if (answer.status !== 201) return answer.body;
      expect(['SUCCEEDED', 'PENDING']).toContain(answer.body.status);
      await eventually(
        async () => {
          const refunds = (await orderOf(order.orderNo)) as Order & { refunds: { refundId: string; status: string }[] };
          return refunds.refunds.find((r) => r.refundId === answer.body.refundId)?.status === 'SUCCEEDED'
            ? true
            : undefined;
        },
        { timeoutMs: 30_000, message: `refund of ${amount} SUCCEEDED` },
      );
      return { ...answer.body, status: 'SUCCEEDED' };
    };
    expect(await refund(100)).toMatchObject({ status: 'SUCCEEDED', amount: 100 });
    expect(await refund(250)).toMatchObject({ status: 'SUCCEEDED', amount: 250 });
    expect(await refund(total)).toMatchObject({ code: 'REFUND_EXCEEDS_CAPTURED' });
    expect(await refund(total - 350)).toMatchObject({ status: 'SUCCEEDED' });
    await eventually(async () => ((await orderOf(order.orderNo)).status === 'REFUNDED' ? true : undefined), {
      message: 'order REFUNDED',
    });
    const refundedAt: Record<string, () => number[]> = {
      stripe: () =>
        fixtures.stripe
          .refunds()
          .filter((r) => r.payment_intent === paid.transactionId)
          .map((r) => r.amount),
      wechatpay: () =>
        fixtures.wechat
          .refunds()
          .filter((r) => r.transactionId === paid.transactionId)
          .map((r) => r.refund),
      unionpay: () =>
        fixtures.unionpay
          .refunds()
          .filter((r) => r.origQryId === paid.transactionId)
          .map((r) => Number(r.txnAmt)),
    };
    const atProvider = refundedAt[name]();
    expect(atProvider).toEqual([100, 250, total - 350]);
    const entries = await eventually(async () => {
      const e = await ledgerOf(order.orderNo);
      return new Set(e.map((x) => x.transactionId)).size === 4 ? e : undefined;
    });
    const balance = (account: string) => balanceOf(entries, account);
    expect(balance('liabilities:customer-orders')).toBe(0);
    expect(balance(`assets:${name}-clearing`)).toBe(0);
  });
});
