import { type ReactNode, useCallback, useEffect, useRef, useState } from 'react';
import { ApiError } from '../api/errors';

/** Loads data on mount and when `deps` change; `reload` fetches again (after an action, or on a timer). */
export function useLoad<T>(load: () => Promise<T>, deps: readonly unknown[]) {
  const [data, setData] = useState<T>();
  const [error, setError] = useState<string>();
  const loadRef = useRef(load);
  loadRef.current = load;
  const reload = useCallback(async () => {
    try {
      setData(await loadRef.current());
      setError(undefined);
    } catch (e) {
      setError(messageOf(e));
    }
  }, []);
  useEffect(() => {
    void reload();
  }, deps);
  return { data, error, reload };
}

export function messageOf(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  return error instanceof Error ? error.message : 'Something went wrong.';
}

/** An error, read out by screen readers as it appears. */
export function ErrorBanner({ message }: { message: string | undefined }) {
  if (!message) return null;
  return (
    <p className="banner error" role="alert">
      {message}
    </p>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <p className="banner notice" role="status">
      {children}
    </p>
  );
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status.toLowerCase()}`}>{status.replace(/_/g, ' ')}</span>;
}

/** A text field of a submitted form, trimmed ('' when absent). */
export function textField(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
}
