import { type ReactNode, useEffect, useState } from 'react';
import { consoleCall, type ConsoleSettings } from './api/client';
import { AdminOrderPage } from './pages/admin-order';
import { AdminOrdersPage } from './pages/admin-orders';
import { AnomaliesPage } from './pages/anomalies';
import { CheckoutPage } from './pages/checkout';
import { DashboardPage } from './pages/dashboard';
import { ShopPage } from './pages/shop';
import { SignInPage } from './pages/sign-in';
import { Link, navigate, useLocation } from './router';
import { currentSession, signOut } from './session';

const BASE = '/console';

function Page({ path, settings }: { path: string; settings: ConsoleSettings }): ReactNode {
  const rest = path.startsWith(BASE) ? path.slice(BASE.length) || '/' : path;
  const checkout = /^\/checkout\/([^/]+)$/.exec(rest);
  if (checkout?.[1]) return <CheckoutPage orderNo={decodeURIComponent(checkout[1])} settings={settings} />;
  const order = /^\/admin\/orders\/([^/]+)$/.exec(rest);
  if (order?.[1]) return <AdminOrderPage orderNo={decodeURIComponent(order[1])} />;
  switch (rest) {
    case '/':
    case '/shop':
      return <ShopPage />;
    case '/sign-in':
      return <SignInPage settings={settings} />;
    case '/admin':
    case '/admin/orders':
      return <AdminOrdersPage />;
    case '/admin/anomalies':
      return <AnomaliesPage />;
    case '/admin/dashboard':
      return <DashboardPage />;
    default:
      return (
        <main>
          <h1>Page not found</h1>
          <p>
            <Link href={`${BASE}/shop`}>Back to the shop</Link>
          </p>
        </main>
      );
  }
}

export function App() {
  const { path } = useLocation();
  const [settings, setSettings] = useState<ConsoleSettings>({ devSignIn: false, simulators: [] });
  useEffect(() => {
    void consoleCall<ConsoleSettings>('GET', 'settings.json')
      .then(setSettings)
      .catch(() => undefined);
  }, []);
  const session = currentSession();
  const isAdmin = session?.roles.includes('admin') ?? false;
  return (
    <>
      <header className="top">
        <nav aria-label="Main">
          <Link href={`${BASE}/shop`} className="brand">
            Shop
          </Link>
          {isAdmin && (
            <>
              <Link href={`${BASE}/admin/orders`}>Orders</Link>
              <Link href={`${BASE}/admin/anomalies`}>Anomalies</Link>
              <Link href={`${BASE}/admin/dashboard`}>Dashboard</Link>
            </>
          )}
        </nav>
        <div className="who">
          {session ? (
            <>
              <span>
                {session.subject} ({session.roles.join(', ')})
              </span>
              <button
                type="button"
                onClick={() => {
                  signOut();
                  navigate(`${BASE}/sign-in`);
                }}
              >
                Sign out
              </button>
            </>
          ) : (
            <Link href={`${BASE}/sign-in?next=${encodeURIComponent(path)}`}>Sign in</Link>
          )}
        </div>
      </header>
      <Page key={path} path={path} settings={settings} />
    </>
  );
}
