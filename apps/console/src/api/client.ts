import createClient from 'openapi-fetch';
import { currentSession } from '../session';
import { ApiError, type ApiErrorBody, readableError } from './errors';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];

/** The typed client of the public API (types generated from the committed openapi.json). */
export const api = createClient<paths>({ baseUrl: window.location.origin });

api.use({
  onRequest({ request }) {
    const session = currentSession();
    if (session !== undefined) request.headers.set('authorization', `Bearer ${session.token}`);
    return request;
  },
});

/** A new Idempotency-Key: made once per intended action, so a retried click repeats the same action. */
export function newIdempotencyKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * Unwraps an openapi-fetch result: the data, or an ApiError with a readable message. A network failure (no
 * answer at all) becomes the NETWORK code.
 */
export async function call<T>(request: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await request;
  } catch {
    throw new ApiError('NETWORK', readableError(undefined));
  }
  if (result.response.ok && result.data !== undefined) return result.data;
  const body = (typeof result.error === 'object' && result.error !== null ? result.error : {}) as ApiErrorBody;
  throw new ApiError(
    body.code ?? `HTTP_${result.response.status}`,
    readableError(body, result.response.status),
    result.response.status,
  );
}

/** The console's own (non-API) routes: settings and development helpers. */
export async function consoleCall<T>(method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  let response: Response;
  try {
    response = await fetch(`/console/${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiError('NETWORK', readableError(undefined));
  }
  const json: unknown = await response.json().catch(() => undefined);
  if (!response.ok) {
    const error = (json ?? {}) as ApiErrorBody;
    throw new ApiError(error.code ?? `HTTP_${response.status}`, readableError(error, response.status), response.status);
  }
  return json as T;
}

export interface ConsoleSettings {
  devSignIn: boolean;
  simulators: string[];
}
