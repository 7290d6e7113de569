// The bearer token the console sends, kept for this browser tab only (sessionStorage): closing the tab signs out.
const KEY = 'shop.console.session';

export interface Session {
  token: string;
  /** From the token's payload, for display and to choose pages; the API checks the token itself. */
  subject: string;
  roles: string[];
}

function decode(token: string): Omit<Session, 'token'> | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { sub?: unknown; roles?: unknown };
    const roles = Array.isArray(json.roles) ? json.roles.filter((r): r is string => typeof r === 'string') : [];
    return { subject: typeof json.sub === 'string' ? json.sub : 'unknown', roles };
  } catch {
    return undefined;
  }
}

export function currentSession(): Session | undefined {
  const token = sessionStorage.getItem(KEY);
  if (token === null) return undefined;
  const claims = decode(token);
  return claims === undefined ? undefined : { token, ...claims };
}

/** Stores a token; returns false when it is not a JWT at all. */
export function signIn(token: string): boolean {
  if (decode(token.trim()) === undefined) return false;
  sessionStorage.setItem(KEY, token.trim());
  return true;
}

export function signOut(): void {
  sessionStorage.removeItem(KEY);
}
