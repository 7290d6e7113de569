import { type FormEvent } from 'react';
import { api, call } from '../api/client';
import type { operations } from '../api/schema';
import { ErrorBanner, StatusBadge, textField, useLoad } from '../components/common';
import { formatMoney, formatTime } from '../money';
import { Link, navigate, useLocation } from '../router';

type Query = NonNullable<operations['AdminOrders_search']['parameters']['query']>;

const STATUSES = ['PENDING_PAYMENT', 'PAID', 'CANCELLED', 'SHIPPED', 'COMPLETED', 'PARTIALLY_REFUNDED', 'REFUNDED'];
const PROVIDERS = ['alipay', 'wechatpay', 'unionpay', 'stripe'];
const FILTERS = ['orderNo', 'status', 'provider', 'customerId', 'from', 'to'] as const;

/** Orders, newest first, with the admin search filters; the filters and page live in the URL (shareable). */
export function AdminOrdersPage() {
  const { search } = useLocation();
  const page = Math.max(1, Number(search.get('page') ?? 1) || 1);
  const query: Query = { page, pageSize: 20 };
  for (const filter of FILTERS) {
    const value = search.get(filter);
    if (value) Object.assign(query, { [filter]: filter === 'from' || filter === 'to' ? toIso(value) : value });
  }
  const orders = useLoad(() => call(api.GET('/api/v1/admin/orders', { params: { query } })), [search.toString()]);

  const apply = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const next = new URLSearchParams();
    for (const filter of FILTERS) {
      const value = textField(form, filter);
      if (value) next.set(filter, value);
    }
    navigate(`/console/admin/orders?${next.toString()}`);
  };
  const goTo = (n: number) => {
    const next = new URLSearchParams(search);
    next.set('page', String(n));
    navigate(`/console/admin/orders?${next.toString()}`);
  };
  const total = orders.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / 20));

  return (
    <main>
      <h1>Orders</h1>
      <form className="filters" onSubmit={apply} aria-label="Search orders">
        <label>
          Order number
          <input name="orderNo" defaultValue={search.get('orderNo') ?? ''} autoComplete="off" />
        </label>
        <label>
          Status
          <select name="status" defaultValue={search.get('status') ?? ''}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label>
          Provider
          <select name="provider" defaultValue={search.get('provider') ?? ''}>
            <option value="">any</option>
            {PROVIDERS.map((p) => (
              <option key={p}>{p}</option>
            ))}
          </select>
        </label>
        <label>
          Customer
          <input name="customerId" defaultValue={search.get('customerId') ?? ''} autoComplete="off" />
        </label>
        <label>
          From
          <input name="from" type="datetime-local" defaultValue={search.get('from') ?? ''} />
        </label>
        <label>
          To
          <input name="to" type="datetime-local" defaultValue={search.get('to') ?? ''} />
        </label>
        <button type="submit" className="primary">
          Search
        </button>
      </form>
      <ErrorBanner message={orders.error} />
      <table>
        <caption>
          {total} order{total === 1 ? '' : 's'}, newest first
        </caption>
        <thead>
          <tr>
            <th scope="col">Order</th>
            <th scope="col">Status</th>
            <th scope="col">Customer</th>
            <th scope="col">Total</th>
            <th scope="col">Refunded</th>
            <th scope="col">Provider</th>
            <th scope="col">Created</th>
          </tr>
        </thead>
        <tbody>
          {orders.data?.items.map((o) => (
            <tr key={o.orderNo}>
              <td>
                <Link href={`/console/admin/orders/${encodeURIComponent(o.orderNo)}`} className="mono">
                  {o.orderNo}
                </Link>
                {o.underReview && <span className="badge badge-review">review</span>}
              </td>
              <td>
                <StatusBadge status={o.status} />
              </td>
              <td>{o.customerId}</td>
              <td>{formatMoney(o.totalAmount, o.currency)}</td>
              <td>{o.refundedAmount > 0 ? formatMoney(o.refundedAmount, o.currency) : '—'}</td>
              <td>{o.paymentProvider ?? '—'}</td>
              <td>{formatTime(o.createdAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <nav className="pager" aria-label="Pages">
        <button type="button" disabled={page <= 1} onClick={() => goTo(page - 1)}>
          Previous page
        </button>
        <span>
          Page {page} of {pages}
        </span>
        <button type="button" disabled={page >= pages} onClick={() => goTo(page + 1)}>
          Next page
        </button>
      </nav>
    </main>
  );
}

/** A datetime-local value (the browser's local time) as an ISO instant for the API. */
function toIso(local: string): string {
  const date = new Date(local);
  return Number.isNaN(date.getTime()) ? local : date.toISOString();
}
