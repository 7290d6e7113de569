import { useEffect, useRef, useState } from 'react';
import { api, call, type ConsoleSettings, consoleCall, newIdempotencyKey, type Schemas } from '../api/client';
import { ErrorBanner, messageOf, Notice, StatusBadge, useLoad } from '../components/common';
import { QrCode } from '../components/qr-code';
import { formatMoney, formatTime } from '../money';
import { Link } from '../router';

type Started = Schemas['PaymentStartedResponse'];

const PROVIDER_NAMES: Record<string, string> = {
  alipay: 'Alipay',
  wechatpay: 'WeChat Pay',
  unionpay: 'UnionPay',
  stripe: 'Stripe',
};
const METHOD_NAMES: Record<string, string> = {
  qr: 'QR code',
  native: 'QR code',
  page: 'web page',
  checkout: 'card (Stripe Checkout)',
};
const providerName = (p: string) => PROVIDER_NAMES[p] ?? p;

// The order's money was taken once it reached any of these.
const PAID_STATUSES = new Set(['PAID', 'SHIPPED', 'COMPLETED', 'PARTIALLY_REFUNDED', 'REFUNDED']);
const POLL_MS = 2000;

/**
 * The customer's checkout: the order, the enabled providers, then the provider's QR code, redirect or form. It
 * follows the order until it is paid, cancelled or expired. With local simulators, "Simulate payment" plays the
 * provider (development only: the server has no simulators in production).
 */
export function CheckoutPage({ orderNo, settings }: { orderNo: string; settings: ConsoleSettings }) {
  const order = useLoad(() => call(api.GET('/api/v1/orders/{orderNo}', { params: { path: { orderNo } } })), [orderNo]);
  const providers = useLoad(() => call(api.GET('/api/v1/payment-providers')), []);
  const [started, setStarted] = useState<Started>();
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [simulated, setSimulated] = useState<string>();
  const status = order.data?.status;
  const open = status === 'PENDING_PAYMENT';
  const { reload } = order;

  useEffect(() => {
    if (status !== undefined && !open) return;
    const timer = setInterval(() => void reload(), POLL_MS);
    return () => clearInterval(timer);
  }, [open, status, reload]);

  const pay = async (provider: Schemas['StartPaymentDto']['provider'], method: string) => {
    setBusy(true);
    setError(undefined);
    try {
      const answer = await call(
        api.POST('/api/v1/orders/{orderNo}/payments', {
          params: { path: { orderNo }, header: { 'Idempotency-Key': newIdempotencyKey() } },
          body: { provider, method },
        }),
      );
      setStarted(answer);
      // In production the buyer goes straight on to the provider; with simulators the page stays, so the
      // simulate button can be pressed (the link still leads to the simulator's page).
      const target = answer.redirectUrl ?? answer.checkoutUrl;
      if (target && settings.simulators.length === 0) window.location.assign(target);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  const pendingProvider =
    started?.provider ?? order.data?.payments.find((p) => p.status === 'PENDING')?.provider ?? undefined;

  const simulate = async (provider: string) => {
    setError(undefined);
    try {
      await consoleCall('POST', `dev/simulate/${provider}/${encodeURIComponent(orderNo)}`);
      setSimulated(provider);
      void reload();
    } catch (e) {
      setError(messageOf(e));
    }
  };

  if (order.data === undefined) {
    return (
      <main className="narrow">
        <h1>Checkout</h1>
        <ErrorBanner message={order.error} />
        {order.error?.startsWith('You are not signed in') && (
          <Link href={`/console/sign-in?next=/console/checkout/${encodeURIComponent(orderNo)}`}>Sign in</Link>
        )}
        {!order.error && <p>Loading the order…</p>}
      </main>
    );
  }
  const o = order.data;
  const expired = o.status === 'CANCELLED' && o.cancelReason === 'expired';

  return (
    <main className="narrow">
      <h1>Checkout</h1>
      <section aria-labelledby="summary">
        <h2 id="summary">
          Order <span className="mono">{o.orderNo}</span> <StatusBadge status={o.status} />
        </h2>
        <table>
          <caption className="visually-hidden">Items</caption>
          <thead>
            <tr>
              <th scope="col">Item</th>
              <th scope="col">Quantity</th>
              <th scope="col">Amount</th>
            </tr>
          </thead>
          <tbody>
            {o.items.map((item) => (
              <tr key={item.sku}>
                <td>{item.name}</td>
                <td>{item.quantity}</td>
                <td>{formatMoney(item.lineAmount, o.currency)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row" colSpan={2}>
                Total
              </th>
              <td data-testid="total">{formatMoney(o.totalAmount, o.currency)}</td>
            </tr>
          </tfoot>
        </table>
        {open && o.paymentDueAt && <p>Pay by {formatTime(o.paymentDueAt)}.</p>}
      </section>

      <ErrorBanner message={error ?? order.error ?? providers.error} />

      {PAID_STATUSES.has(o.status) && (
        <Notice>
          Paid{o.paymentProvider ? ` with ${providerName(o.paymentProvider)}` : ''} at {formatTime(o.paidAt)}. Thank
          you!
        </Notice>
      )}
      {o.status === 'CANCELLED' && (
        <Notice>
          {expired
            ? 'This order expired before it was paid.'
            : `This order was cancelled${o.cancelReason ? ` (${o.cancelReason})` : ''}.`}
        </Notice>
      )}

      {open && (
        <section aria-labelledby="pay-with">
          <h2 id="pay-with">Pay with</h2>
          {providers.data?.items.length === 0 && <p>No payment provider is enabled.</p>}
          <div className="choices">
            {providers.data?.items.flatMap((p) =>
              p.methods.map((method) => (
                <button
                  key={`${p.provider}-${method}`}
                  type="button"
                  disabled={busy}
                  onClick={() => void pay(p.provider, method)}
                >
                  {providerName(p.provider)} ({METHOD_NAMES[method] ?? method})
                </button>
              )),
            )}
          </div>
        </section>
      )}

      {open && started && <PaymentStep started={started} autoSubmit={settings.simulators.length === 0} />}

      {open && pendingProvider && settings.simulators.includes(pendingProvider) && (
        <section aria-labelledby="simulate" className="dev">
          <h2 id="simulate">Development</h2>
          <p>A local simulator plays {providerName(pendingProvider)}: it can pay this order as the buyer would.</p>
          <button type="button" onClick={() => void simulate(pendingProvider)}>
            Simulate payment
          </button>
          {simulated && <p role="status">The simulator paid and notified us; waiting for the order…</p>}
        </section>
      )}
      {open && <p className="muted">This page follows the order and updates by itself.</p>}
    </main>
  );
}

/** What the provider needs from the buyer next: a code to scan, a page to go to, or a form to post. */
function PaymentStep({ started, autoSubmit }: { started: Started; autoSubmit: boolean }) {
  const form = useRef<HTMLFormElement>(null);
  const name = providerName(started.provider);
  useEffect(() => {
    if (autoSubmit && started.form) form.current?.submit();
  }, [autoSubmit, started]);
  const code = started.qrCode ?? started.codeUrl;
  const target = started.redirectUrl ?? started.checkoutUrl;
  return (
    <section aria-labelledby="next-step">
      <h2 id="next-step">{code ? `Scan with ${name}` : `Continue at ${name}`}</h2>
      {code && <QrCode value={code} label={`QR code to pay with ${name}`} />}
      {target && (
        <p>
          <a className="button primary" href={target}>
            Continue to {name}
          </a>
        </p>
      )}
      {started.form && (
        <form ref={form} method="post" action={started.form.action}>
          {Object.entries(started.form.fields).map(([field, value]) => (
            <input key={field} type="hidden" name={field} value={String(value)} />
          ))}
          <button type="submit" className="primary">
            Continue to {name}
          </button>
        </form>
      )}
    </section>
  );
}
