import { api, call, type Schemas } from '../api/client';
import { ApiError } from '../api/errors';
import { ErrorBanner, StatusBadge, textField, useLoad } from '../components/common';
import { ConfirmAction } from '../components/confirm-dialog';
import { formatMoney, formatTime, parseMoney } from '../money';
import { Link } from '../router';

type Order = Schemas['OrderDetailsResponse'];

const REFUNDABLE = new Set(['PAID', 'SHIPPED', 'COMPLETED', 'PARTIALLY_REFUNDED']);
const SHIPPABLE = new Set(['PAID', 'PARTIALLY_REFUNDED']);
const COMPLETABLE = new Set(['SHIPPED', 'PARTIALLY_REFUNDED']);

const header = (key: string) => ({ 'Idempotency-Key': key });
const field = textField;

/** One order for an admin: everything about it, and the actions its state allows, each behind a confirmation. */
export function AdminOrderPage({ orderNo }: { orderNo: string }) {
  const path = { orderNo };
  const order = useLoad(() => call(api.GET('/api/v1/admin/orders/{orderNo}', { params: { path } })), [orderNo]);
  const ledger = useLoad(() => call(api.GET('/api/v1/admin/orders/{orderNo}/ledger', { params: { path } })), [orderNo]);
  const refresh = () => {
    void order.reload();
    // The ledger posts from events: it follows the order within a moment.
    void ledger.reload();
    setTimeout(() => void ledger.reload(), 1500);
    setTimeout(() => void order.reload(), 1500);
  };
  const o = order.data;

  return (
    <main>
      <p>
        <Link href="/console/admin/orders">← Orders</Link>
      </p>
      <h1>
        Order <span className="mono">{orderNo}</span> {o && <StatusBadge status={o.status} />}
      </h1>
      <ErrorBanner message={order.error ?? ledger.error} />
      {o && (
        <>
          <Actions order={o} onDone={refresh} />
          <Summary order={o} />
          <section aria-labelledby="timeline">
            <h2 id="timeline">Timeline</h2>
            <ol className="timeline">
              {o.timeline.map((t, i) => (
                <li key={`${t.at}-${i}`}>
                  <time dateTime={t.at}>{formatTime(t.at)}</time> <strong>{t.event}</strong> by{' '}
                  <span className="actor">{t.actor}</span>
                  {t.detail && <code className="detail">{JSON.stringify(t.detail)}</code>}
                </li>
              ))}
            </ol>
          </section>
          <Payments order={o} />
        </>
      )}
      <section aria-labelledby="ledger">
        <h2 id="ledger">Ledger</h2>
        <table>
          <caption className="visually-hidden">Ledger entries</caption>
          <thead>
            <tr>
              <th scope="col">Transaction</th>
              <th scope="col">Account</th>
              <th scope="col">Debit</th>
              <th scope="col">Credit</th>
              <th scope="col">At</th>
            </tr>
          </thead>
          <tbody>
            {ledger.data?.entries.map((e, i) => (
              <tr key={`${e.transactionId}-${i}`}>
                <td className="mono">{e.transactionId.slice(0, 8)}</td>
                <td>{e.account}</td>
                <td>{e.side === 'debit' ? formatMoney(e.amount, e.currency) : ''}</td>
                <td>{e.side === 'credit' ? formatMoney(e.amount, e.currency) : ''}</td>
                <td>{formatTime(e.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {ledger.data?.entries.length === 0 && <p>No postings yet.</p>}
      </section>
    </main>
  );
}

function Actions({ order: o, onDone }: { order: Order; onDone: () => void }) {
  const path = { orderNo: o.orderNo };
  const refundable = o.totalAmount - o.refundedAmount;
  return (
    <section aria-label="Actions" className="actions">
      <ConfirmAction
        label="Refund"
        title={`Refund order ${o.orderNo}`}
        confirmLabel="Refund"
        danger
        disabled={!REFUNDABLE.has(o.status) || refundable <= 0}
        onDone={onDone}
        onConfirm={async (form, key) => {
          const amount = parseMoney(field(form, 'amount'), o.currency);
          if (amount === undefined || amount <= 0) {
            throw new ApiError(
              'VALIDATION_FAILED',
              `Enter an amount like 12.34 (at most ${formatMoney(refundable, o.currency)}).`,
            );
          }
          await call(
            api.POST('/api/v1/admin/orders/{orderNo}/refunds', {
              params: { path, header: header(key) },
              body: { amount, reason: field(form, 'reason') },
            }),
          );
        }}
      >
        <p>
          Up to {formatMoney(refundable, o.currency)} can be refunded. The money goes back through{' '}
          {o.paymentProvider ?? 'the provider'}.
        </p>
        <label htmlFor="refund-amount">Amount ({o.currency})</label>
        <input id="refund-amount" name="amount" inputMode="decimal" required autoComplete="off" />
        <label htmlFor="refund-reason">Reason</label>
        <input id="refund-reason" name="reason" required maxLength={256} autoComplete="off" />
      </ConfirmAction>
      <ConfirmAction
        label="Ship"
        title={`Ship order ${o.orderNo}`}
        confirmLabel="Mark shipped"
        disabled={!SHIPPABLE.has(o.status) || o.shipments.length > 0}
        onDone={onDone}
        onConfirm={async (form, key) => {
          await call(
            api.POST('/api/v1/admin/orders/{orderNo}/shipments', {
              params: { path, header: header(key) },
              body: { carrier: field(form, 'carrier'), trackingNo: field(form, 'trackingNo') },
            }),
          );
        }}
      >
        <label htmlFor="ship-carrier">Carrier</label>
        <input id="ship-carrier" name="carrier" required maxLength={64} autoComplete="off" />
        <label htmlFor="ship-tracking">Tracking number</label>
        <input id="ship-tracking" name="trackingNo" required maxLength={64} autoComplete="off" />
      </ConfirmAction>
      <ConfirmAction
        label="Complete"
        title={`Complete order ${o.orderNo}`}
        confirmLabel="Complete"
        disabled={!COMPLETABLE.has(o.status) || o.shipments.length === 0}
        onDone={onDone}
        onConfirm={async (_form, key) => {
          await call(api.POST('/api/v1/admin/orders/{orderNo}/complete', { params: { path, header: header(key) } }));
        }}
      >
        <p>The customer has the goods; the order is done.</p>
      </ConfirmAction>
      <ConfirmAction
        label="Cancel order"
        title={`Cancel order ${o.orderNo}`}
        confirmLabel="Cancel the order"
        danger
        disabled={o.status !== 'PENDING_PAYMENT'}
        onDone={onDone}
        onConfirm={async (form, key) => {
          const note = field(form, 'note');
          await call(
            api.POST('/api/v1/orders/{orderNo}/cancel', {
              params: { path, header: header(key) },
              body: note ? { note } : {},
            }),
          );
        }}
      >
        <p>The order is waiting for payment; its open provider trades are closed.</p>
        <label htmlFor="cancel-note">Note (optional)</label>
        <input id="cancel-note" name="note" maxLength={256} autoComplete="off" />
      </ConfirmAction>
    </section>
  );
}

function Summary({ order: o }: { order: Order }) {
  return (
    <section aria-labelledby="summary">
      <h2 id="summary">Summary</h2>
      <dl className="facts">
        <dt>Customer</dt>
        <dd>{o.customerId}</dd>
        <dt>Total</dt>
        <dd>{formatMoney(o.totalAmount, o.currency)}</dd>
        <dt>Refunded</dt>
        <dd data-testid="refunded">{formatMoney(o.refundedAmount, o.currency)}</dd>
        <dt>Paid</dt>
        <dd>
          {formatTime(o.paidAt)} {o.paymentProvider && `(${o.paymentProvider}, ${o.providerTransactionId ?? ''})`}
        </dd>
        <dt>Created</dt>
        <dd>{formatTime(o.createdAt)}</dd>
        {o.review && (
          <>
            <dt>Under review</dt>
            <dd>{o.review.reason}</dd>
          </>
        )}
      </dl>
      <table>
        <caption>Items</caption>
        <thead>
          <tr>
            <th scope="col">SKU</th>
            <th scope="col">Item</th>
            <th scope="col">Quantity</th>
            <th scope="col">Unit</th>
            <th scope="col">Amount</th>
          </tr>
        </thead>
        <tbody>
          {o.items.map((i) => (
            <tr key={i.sku}>
              <td className="mono">{i.sku}</td>
              <td>{i.name}</td>
              <td>{i.quantity}</td>
              <td>{formatMoney(i.unitAmount, o.currency)}</td>
              <td>{formatMoney(i.lineAmount, o.currency)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Payments({ order: o }: { order: Order }) {
  return (
    <>
      <section aria-labelledby="payments">
        <h2 id="payments">Payments</h2>
        <table>
          <caption className="visually-hidden">Payment attempts</caption>
          <thead>
            <tr>
              <th scope="col">Payment</th>
              <th scope="col">Provider</th>
              <th scope="col">Status</th>
              <th scope="col">Provider transaction</th>
            </tr>
          </thead>
          <tbody>
            {o.payments.map((p) => (
              <tr key={p.paymentId}>
                <td className="mono">{p.paymentId.slice(0, 8)}</td>
                <td>{p.provider}</td>
                <td>
                  <StatusBadge status={p.status} />
                </td>
                <td className="mono">{p.providerTransactionId ?? '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section aria-labelledby="refunds">
        <h2 id="refunds">Refunds</h2>
        {o.refunds.length === 0 ? (
          <p>None.</p>
        ) : (
          <table>
            <caption className="visually-hidden">Refunds</caption>
            <thead>
              <tr>
                <th scope="col">Amount</th>
                <th scope="col">Status</th>
                <th scope="col">Reason</th>
                <th scope="col">Requested</th>
                <th scope="col">Completed</th>
              </tr>
            </thead>
            <tbody>
              {o.refunds.map((r) => (
                <tr key={r.refundId}>
                  <td>{formatMoney(r.amount, r.currency)}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>{r.failureReason ? `${r.reason} (failed: ${r.failureReason})` : r.reason}</td>
                  <td>{formatTime(r.createdAt)}</td>
                  <td>{formatTime(r.completedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="shipments">
        <h2 id="shipments">Shipments</h2>
        {o.shipments.length === 0 ? (
          <p>Not shipped.</p>
        ) : (
          <ul>
            {o.shipments.map((s) => (
              <li key={s.trackingNo}>
                {s.carrier} <span className="mono">{s.trackingNo}</span>, {formatTime(s.shippedAt)} by {s.shippedBy}
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
