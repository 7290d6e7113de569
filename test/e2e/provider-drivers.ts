import { callJson, type ProviderFixtures } from '@shop/testing';

/** One HTTP answer of ours to one provider delivery. */
export interface Delivery {
  readonly status: number;
  readonly body: string;
}

/** What a test asks of a provider payment; every field is optional. */
export interface PayOptions {
  /** Deliveries of the same notification at once (each re-signed, as a provider's retries are). */
  readonly concurrent?: number;
  /** Change the body after signing. */
  readonly tamper?: boolean;
  /** A second, separate payment of the same order (the buyer paid twice). */
  readonly newTransaction?: boolean;
}

/** A payment as the provider reported it. */
export interface Paid {
  readonly deliveries: readonly Delivery[];
  /** The provider's id of the payment: WeChat transaction_id, UnionPay queryId, Stripe PaymentIntent id. */
  readonly transactionId: string;
}

/**
 * One provider as an end-to-end test drives it: how a payment is started (API method), what the buyer does next,
 * how the provider pays and notifies, what our acknowledgement looks like, and where a closed trade shows.
 */
export interface ProviderDriver {
  readonly provider: 'wechatpay' | 'unionpay' | 'stripe';
  readonly method: string;
  /** The field of the 201 answer the buyer needs. */
  readonly answerField: 'codeUrl' | 'form' | 'checkoutUrl';
  /** What the buyer does with the answer before paying (UnionPay: the browser posts the signed form). */
  afterStart(answer: Record<string, unknown>): Promise<void>;
  pay(orderNo: string, options?: PayOptions): Promise<Paid>;
  /** Whether a delivery got the provider's "handled, do not retry" answer. */
  acknowledged(delivery: Delivery): boolean;
  /** The buyer paid but the notification is lost; answers the transaction id. */
  markPaidWithoutNotify(orderNo: string): string;
  /** Whether the provider trade is closed; undefined for UnionPay, whose web consume lapses by itself. */
  closedAtProvider(orderNo: string): boolean | undefined;
}

/** The drivers of WeChat Pay, UnionPay and Stripe over their simulators. */
export function providerDrivers(fixtures: ProviderFixtures): ProviderDriver[] {
  const { wechat, unionpay, stripe } = fixtures;
  return [
    {
      provider: 'wechatpay',
      method: 'native',
      answerField: 'codeUrl',
      afterStart: () => Promise.resolve(),
      pay: async (orderNo, options = {}) => {
        const result = await wechat.pay(orderNo, {
          concurrent: options.concurrent,
          newTransaction: options.newTransaction,
          tamper: options.tamper ? { replace: { '"summary":"支付成功"': '"summary":"支付失败"' } } : undefined,
        });
        return { deliveries: result.deliveries, transactionId: String(result.notification.resource.transaction_id) };
      },
      acknowledged: (delivery) => delivery.status === 204 && delivery.body === '',
      markPaidWithoutNotify: (orderNo) => wechat.markPaidWithoutNotify(orderNo).transactionId!,
      closedAtProvider: (orderNo) => wechat.trade(orderNo)?.tradeState === 'CLOSED',
    },
    {
      provider: 'unionpay',
      method: 'page',
      answerField: 'form',
      afterStart: async (answer) => {
        const form = answer.form as { action: string; fields: Record<string, string> };
        const response = await fetch(form.action, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams(form.fields).toString(),
        });
        if (response.status !== 200) throw new Error(`UnionPay refused the form: ${response.status}`);
      },
      pay: async (orderNo, options = {}) => {
        const result = await unionpay.pay(orderNo, {
          concurrent: options.concurrent,
          newTransaction: options.newTransaction,
          tamper: options.tamper ? { txnAmt: '1' } : undefined,
        });
        return { deliveries: result.deliveries, transactionId: result.notification.queryId };
      },
      acknowledged: (delivery) => delivery.status === 200 && delivery.body === 'ok',
      markPaidWithoutNotify: (orderNo) => unionpay.markPaidWithoutNotify(orderNo).queryId,
      closedAtProvider: () => undefined,
    },
    {
      provider: 'stripe',
      method: 'checkout',
      answerField: 'checkoutUrl',
      afterStart: () => Promise.resolve(),
      pay: async (orderNo, options = {}) => {
        const result = await stripe.pay(orderNo, {
          concurrent: options.concurrent,
          newTransaction: options.newTransaction,
          tamper: options.tamper,
        });
        // Both paid events name the PaymentIntent: the session through payment_intent, the intent by its id.
        const object = (JSON.parse(result.events[0].rawBody) as { data: { object: Record<string, unknown> } }).data
          .object;
        const transactionId = object.object === 'payment_intent' ? object.id : object.payment_intent;
        return { deliveries: result.deliveries, transactionId: String(transactionId) };
      },
      acknowledged: (delivery) => delivery.status >= 200 && delivery.status < 300,
      markPaidWithoutNotify: (orderNo) => stripe.markPaidWithoutNotify(orderNo).payment_intent!,
      closedAtProvider: (orderNo) => stripe.session(orderNo)?.status === 'expired',
    },
  ];
}

/**
 * A new order of one unit of the first catalog product, with a payment started through the public API with the
 * driver's provider and method, and the buyer's next step done. Throws (naming the answer) when the API refuses.
 */
export async function orderWithPayment<T extends { orderNo: string }>(
  apiUrl: string,
  token: string,
  driver: ProviderDriver,
): Promise<T> {
  const products = await callJson<{ items: { sku: string }[] }>(apiUrl, 'GET', '/api/v1/products');
  const created = await callJson<T>(apiUrl, 'POST', '/api/v1/orders', token, {
    items: [{ sku: products.body.items[0].sku, quantity: 1 }],
  });
  if (created.status !== 201) throw new Error(`creating the order answered ${created.status}`);
  const payment = await callJson<Record<string, unknown>>(
    apiUrl,
    'POST',
    `/api/v1/orders/${created.body.orderNo}/payments`,
    token,
    { provider: driver.provider, method: driver.method },
  );
  if (payment.status !== 201 || payment.body.provider !== driver.provider || !(driver.answerField in payment.body)) {
    throw new Error(
      `starting the ${driver.provider} payment answered ${payment.status} ${JSON.stringify(payment.body)}`,
    );
  }
  await driver.afterStart(payment.body);
  return created.body;
}

/**
 * An account's balance in a list of journal entries, credits minus debits: what a liability holds (negative for
 * an asset that holds money).
 */
export function balanceOf(
  entries: readonly { account: string; side: string; amount: number }[],
  account: string,
): number {
  return entries
    .filter((e) => e.account === account)
    .reduce((sum, e) => sum + (e.side === 'credit' ? e.amount : -e.amount), 0);
}
