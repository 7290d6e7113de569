import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Context } from '@opentelemetry/api';

/**
 * What follows one request or message through a service: its correlation id, for logs and outgoing events, and
 * its OpenTelemetry context (the current span), for traces.
 */
export interface RequestContext {
  correlationId: string;
  trace?: Context;
}

const storage = new AsyncLocalStorage<RequestContext>();

// Accept a caller's id only if it looks like an id; anything else could inject junk into every log line.
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Returns the caller's correlation id when it is safe to reuse, otherwise a new one. */
export function correlationIdFrom(candidate: unknown): string {
  return typeof candidate === 'string' && SAFE_ID.test(candidate) ? candidate : randomUUID();
}

/** The current request's context, if any code path up the stack started one. */
export function currentContext(): RequestContext | undefined {
  return storage.getStore();
}

/** Runs fn with the given context visible to everything it awaits. */
export function runInContext<T>(context: RequestContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** Makes the context current for the rest of this async flow (used from Fastify's onRequest hook). */
export function enterContext(context: RequestContext): void {
  storage.enterWith(context);
}
