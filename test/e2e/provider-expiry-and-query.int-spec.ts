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

// Expiry and the active query for WeChat Pay, UnionPay and Stripe, end to end: five service processes on the
// real Kafka and PostgreSQL, with short timers. A lost notification is found by asking the provider, and its
// late callback is the same payment (one effect); an unpaid order expires and its provider transaction is
// closed; money that arrives after that is a LATE_PAYMENT anomaly, refund required.

const JWT_SECRET = 'e2e-secret-provider-expiry-0123456789abcdefghij';
const customer = signToken(JWT_SECRET, { sub: 'e2e-provider-expiry-customer', roles: ['customer'] });
const admin = signToken(JWT_SECRET, { sub: 'e2e-admin', roles: ['admin'] });
// Long enough for the query (after 1 s, every 200 ms) to settle a lost payment well before expiry.
const TIMEOUT_SECONDS = 10;

interface Order {
  orderNo: string;
  status: string;
  totalAmount: number;
  cancelReason?: string | null;
  paymentDueAt: string | null;
  timeline: { event: string }[];
  payments: { provider: string; status: string; providerTransactionId: string | null }[];
}

let system: RunningSystem;
let fixtures: ProviderFixtures;

beforeAll(async () => {
  fixtures = await startProviderFixtures();
  system = await startSystem({
    JWT_SECRET,
    ...fixtures.env,
    ORDER_PAYMENT_TIMEOUT_SECONDS: String(TIMEOUT_SECONDS),
    EXPIRY_SWEEP_INTERVAL_MS: '200',
    PAYMENT_QUERY_AFTER_SECONDS: '1',
    QUERY_SWEEP_INTERVAL_MS: '200',
    PAYMENT_QUERY_BACKOFF_SECONDS: '1',
  });
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
  (
    await api<{ entries: { transactionId: string; account: string; side: string; amount: number }[] }>(
      'GET',
      `/api/v1/admin/orders/${orderNo}/ledger`,
      admin,
    )
  ).body.entries;
const settle = () => new Promise((resolve) => setTimeout(resolve, 3000));

describe.each(['wechatpay', 'unionpay', 'stripe'])('%s expiry and active query, end to end', (name) => {
  let driver: ProviderDriver;

  beforeAll(() => {
    driver = providerDrivers(fixtures).find((d) => d.provider === name)!;
  });

  const startPayment = () => orderWithPayment<Order>(system.urls['api-gateway'], customer, driver);

  it('a lost notification: the query pays the order once; the late callback is acknowledged and changes nothing', async () => {
    const order = await startPayment();
    const transactionId = driver.markPaidWithoutNotify(order.orderNo);

    const paid = await eventually(
      async () => {
        // The payment-gateway records the provider transaction when it consumes the event, independently of
        // the order turning PAID: wait for both instead of assuming an order between them.
        const current = await orderOf(order.orderNo);
        return current.status === 'PAID' && current.payments.some((p) => p.providerTransactionId) ? current : undefined;
      },
      { timeoutMs: 30_000, message: `order ${order.orderNo} PAID by the active query` },
    );
    expect(paid.payments).toEqual([
      expect.objectContaining({ provider: driver.provider, providerTransactionId: transactionId }),
    ]);
    await eventually(async () => ((await ledgerOf(order.orderNo)).length > 0 ? true : undefined));

    // The notification arrives after all: the same payment, so the same event id and one effect.
    const late = await driver.pay(order.orderNo);
    expect(late.transactionId).toBe(transactionId);
    expect(late.deliveries.every((d) => driver.acknowledged(d))).toBe(true);
    await settle();
    const after = await orderOf(order.orderNo);
    expect(after.status).toBe('PAID');
    expect(after.timeline.filter((e) => e.event === 'paid')).toHaveLength(1);
    const entries = await ledgerOf(order.orderNo);
    expect(entries).toHaveLength(2);
    expect(new Set(entries.map((e) => e.transactionId)).size).toBe(1);
  });

  it('expiry cancels the unpaid order and closes its provider transaction; a payment after that is LATE_PAYMENT', async () => {
    const order = await startPayment();
    const cancelled = await eventually(
      async () => {
        const current = await orderOf(order.orderNo);
        return current.status === 'CANCELLED' ? current : undefined;
      },
      { timeoutMs: 30_000 + TIMEOUT_SECONDS * 1000, message: `order ${order.orderNo} expired` },
    );
    expect(cancelled).toMatchObject({ cancelReason: 'expired', paymentDueAt: null });
    if (driver.closedAtProvider(order.orderNo) === undefined) {
      // UnionPay has no close call: its consume stays payable until payTimeout, so the attempt is not marked
      // closed without asking; the active query settles it once an answer is final.
      await new Promise((resolve) => setTimeout(resolve, 2000));
      expect((await orderOf(order.orderNo)).payments.map((p) => p.status)).toEqual(['PENDING']);
    } else {
      const closedAttempt = await eventually(async () => {
        const current = await orderOf(order.orderNo);
        return current.payments[0]?.status === 'CLOSED' ? current : undefined;
      });
      expect(closedAttempt.payments).toHaveLength(1);
      expect(driver.closedAtProvider(order.orderNo)).toBe(true);
    }

    // The buyer's money arrives anyway (another transaction): acknowledged, never applied, listed for refund.
    const late = await driver.pay(order.orderNo, { newTransaction: true });
    expect(late.deliveries.every((d) => driver.acknowledged(d))).toBe(true);
    const anomaly = await eventually(
      async () => {
        const page = await api<{
          items: { orderNo: string; provider: string; providerTransactionId: string; status: string }[];
        }>('GET', '/api/v1/admin/anomalies?type=LATE_PAYMENT&pageSize=100', admin);
        return page.body.items.find((a) => a.orderNo === order.orderNo);
      },
      { timeoutMs: 30_000, message: `LATE_PAYMENT for ${order.orderNo} listed` },
    );
    expect(anomaly).toMatchObject({ provider: driver.provider, providerTransactionId: late.transactionId });
    expect((await orderOf(order.orderNo)).status).toBe('CANCELLED');
    // The money did arrive: the journal records it, held on refunds-due, and (LATE_PAYMENT being refunded
    // automatically by default) given back.
    const entries = await eventually(
      async () => {
        const posted = await ledgerOf(order.orderNo);
        return new Set(posted.map((e) => e.transactionId)).size === 3 ? posted : undefined;
      },
      { timeoutMs: 30_000, message: 'the late payment booked (and refunded)' },
    );
    const balance = (account: string) => balanceOf(entries, account);
    expect(balance('liabilities:customer-orders')).toBe(0);
    expect(balance('liabilities:refunds-due')).toBe(0);
  }, 90_000);
});
