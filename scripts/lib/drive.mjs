// What `npm run bench` and `npm run chaos` share to drive the running system: bounded concurrency, and how each
// provider's local simulator pays a started payment and how our acknowledgement of its notification looks.

/** Runs fn over items with at most `limit` in flight; answers the results in item order. */
export async function pool(items, limit, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

/** Each provider's payment method; for the simulated ones also the control call that pays and our acknowledgement. */
export const PROVIDER_DRIVES = {
  alipay: { method: 'qr' },
  wechatpay: {
    method: 'native',
    defaultPort: 3101,
    pay: (orderNo) => `/_simulator/wechatpay/trades/${orderNo}/pay`,
    body: {},
    acknowledged: (d) => d.status === 204,
  },
  unionpay: {
    method: 'page',
    defaultPort: 3102,
    pay: (orderNo) => `/_simulator/unionpay/trades/${orderNo}/pay`,
    body: {},
    acknowledged: (d) => d.status === 200 && d.body === 'ok',
  },
  stripe: {
    method: 'checkout',
    defaultPort: 3103,
    pay: (orderNo) => `/_simulator/stripe/sessions/${orderNo}/pay`,
    // One webhook per payment, as for the other providers (payment_intent.succeeded would be a duplicate).
    body: { events: ['checkout.session.completed'] },
    acknowledged: (d) => d.status >= 200 && d.status < 300,
  },
};
