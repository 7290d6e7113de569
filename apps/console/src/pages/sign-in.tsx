import { type FormEvent, useState } from 'react';
import { consoleCall, type ConsoleSettings } from '../api/client';
import { ErrorBanner, messageOf, textField } from '../components/common';
import { navigate, useLocation } from '../router';
import { currentSession, signIn } from '../session';

/**
 * Sign-in. In production the operator pastes a bearer token from their identity provider (see docs/console.md);
 * in development the page also issues the local customer and admin tokens with one click.
 */
export function SignInPage({ settings }: { settings: ConsoleSettings }) {
  const { search } = useLocation();
  const [error, setError] = useState<string>();
  const next = search.get('next');
  const done = (role: string) => {
    const fallback = role === 'admin' ? '/console/admin/orders' : '/console/shop';
    navigate(next?.startsWith('/console/') && !next.startsWith('/console/sign-in') ? next : fallback);
  };

  const devSignIn = async (role: 'customer' | 'admin') => {
    try {
      const { token } = await consoleCall<{ token: string }>('POST', 'dev/tokens', { role });
      signIn(token);
      done(role);
    } catch (e) {
      setError(messageOf(e));
    }
  };

  const paste = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const token = textField(new FormData(event.currentTarget), 'token');
    if (!signIn(token)) {
      setError('That is not a bearer token (a JWT: three dot-separated parts).');
      return;
    }
    done(currentSession()?.roles.includes('admin') ? 'admin' : 'customer');
  };

  return (
    <main className="narrow">
      <h1>Sign in</h1>
      <ErrorBanner message={error} />
      {settings.devSignIn && (
        <section aria-labelledby="dev-sign-in">
          <h2 id="dev-sign-in">Local tokens (development)</h2>
          <p>This deployment is not in production: it can issue local tokens.</p>
          <div className="actions">
            <button type="button" className="primary" onClick={() => void devSignIn('customer')}>
              Sign in as customer
            </button>
            <button type="button" className="primary" onClick={() => void devSignIn('admin')}>
              Sign in as admin
            </button>
          </div>
        </section>
      )}
      <section aria-labelledby="token-sign-in">
        <h2 id="token-sign-in">Bearer token</h2>
        <form onSubmit={paste}>
          <label htmlFor="token">Token from your identity provider</label>
          <textarea id="token" name="token" rows={4} required autoComplete="off" spellCheck={false} />
          <button type="submit">Use this token</button>
        </form>
      </section>
    </main>
  );
}
