import { type FormEvent, useState } from 'react';
import { api, call, newIdempotencyKey } from '../api/client';
import { ErrorBanner, messageOf, useLoad } from '../components/common';
import { formatMoney } from '../money';
import { Link, navigate } from '../router';
import { currentSession } from '../session';

/** The catalog: choose quantities, place the order, continue to its checkout. */
export function ShopPage() {
  const products = useLoad(() => call(api.GET('/api/v1/products')), []);
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  // One key per intended order: a retried click after a timeout does not create a second order.
  const [key, setKey] = useState(newIdempotencyKey);
  const session = currentSession();

  const order = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const items = (products.data?.items ?? [])
      .map((p) => ({ sku: p.sku, quantity: Number(form.get(`qty-${p.sku}`) ?? 0) }))
      .filter((item) => Number.isInteger(item.quantity) && item.quantity > 0);
    if (items.length === 0) {
      setError('Choose a quantity of at least one product.');
      return;
    }
    setBusy(true);
    try {
      const created = await call(
        api.POST('/api/v1/orders', { body: { items }, params: { header: { 'Idempotency-Key': key } } }),
      );
      setKey(newIdempotencyKey());
      navigate(`/console/checkout/${encodeURIComponent(created.orderNo)}`);
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <main>
      <h1>Shop</h1>
      <ErrorBanner message={products.error ?? error} />
      {!session && (
        <p>
          <Link href="/console/sign-in?next=/console/shop">Sign in</Link> to place an order.
        </p>
      )}
      <form onSubmit={(e) => void order(e)}>
        <table>
          <caption>Products</caption>
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col">Price</th>
              <th scope="col">Quantity</th>
            </tr>
          </thead>
          <tbody>
            {products.data?.items.map((p) => (
              <tr key={p.sku}>
                <td>{p.name}</td>
                <td>{formatMoney(p.unitAmount, p.currency)}</td>
                <td>
                  <label className="visually-hidden" htmlFor={`qty-${p.sku}`}>
                    Quantity of {p.name}
                  </label>
                  <input
                    id={`qty-${p.sku}`}
                    name={`qty-${p.sku}`}
                    type="number"
                    min={0}
                    max={99}
                    defaultValue={0}
                    inputMode="numeric"
                  />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        <button type="submit" className="primary" disabled={busy || !session}>
          {busy ? 'Placing the order…' : 'Place order'}
        </button>
      </form>
    </main>
  );
}
