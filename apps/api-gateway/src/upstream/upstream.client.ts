import http from 'node:http';
import https from 'node:https';
import { HttpException, HttpStatus, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { AppError, currentContext, endSpan, SpanKind, startChildSpan, traceparentOf } from '@shop/runtime';
import { ApiGatewayConfig } from '../api-gateway.config';

/** The internal services the gateway calls. */
export type Upstream = 'order-service' | 'payment-gateway' | 'ledger-service' | 'notification-ingest';

/** A successful upstream answer. */
export interface UpstreamAnswer<T> {
  status: number;
  body: T;
}

/** Calls a provider can take a while; everything else should be quick. */
const DEFAULT_TIMEOUT_MS = 5000;
// Connections kept open per service: a request waits for a free one beyond this (the gateway's concurrency is
// bounded by its clients', and a service answers in milliseconds).
const MAX_SOCKETS_PER_UPSTREAM = 64;

class UpstreamTimeoutError extends Error {}

/**
 * Internal HTTP calls to the services, with the caller's correlation id and trace (a client span whose W3C
 * traceparent the service continues). An upstream 4xx (already in our error
 * format) reaches the client unchanged; an upstream that is down or failing becomes 503/502 with a code.
 */
@Injectable()
export class UpstreamClient implements OnApplicationShutdown {
  private readonly baseUrls: Record<Upstream, string>;
  private readonly authorization: string | undefined;
  // node:http with keep-alive rather than fetch: the gateway makes one internal call per request, and fetch's
  // web streams cost it about a quarter of its CPU under load (docs/performance.md).
  private readonly agents = {
    'http:': new http.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_UPSTREAM }),
    'https:': new https.Agent({ keepAlive: true, maxSockets: MAX_SOCKETS_PER_UPSTREAM }),
  };

  constructor(config: ApiGatewayConfig) {
    this.baseUrls = {
      'order-service': config.ORDER_SERVICE_URL.replace(/\/$/, ''),
      'payment-gateway': config.PAYMENT_GATEWAY_URL.replace(/\/$/, ''),
      'ledger-service': config.LEDGER_SERVICE_URL.replace(/\/$/, ''),
      'notification-ingest': config.NOTIFICATION_INGEST_URL.replace(/\/$/, ''),
    };
    // The services' internal routes require the shared service token when one is configured.
    this.authorization = config.INTERNAL_TOKEN === '' ? undefined : `Bearer ${config.INTERNAL_TOKEN}`;
  }

  async call<T>(
    upstream: Upstream,
    method: 'GET' | 'POST',
    path: string,
    options: { body?: unknown; query?: Record<string, string | number | undefined>; timeoutMs?: number } = {},
  ): Promise<UpstreamAnswer<T>> {
    const url = new URL(`${this.baseUrls[upstream]}${path}`);
    for (const [key, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.authorization !== undefined) headers.authorization = this.authorization;
    const correlationId = currentContext()?.correlationId;
    if (correlationId) headers['x-request-id'] = correlationId;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const { span, context } = startChildSpan(`${method} ${upstream}`, SpanKind.CLIENT, {
      'http.request.method': method,
      'server.address': url.host,
      'url.path': url.pathname,
    });
    const traceparent = traceparentOf(context);
    if (traceparent) headers['traceparent'] = traceparent;
    let response: { status: number; text: string };
    try {
      const body = options.body === undefined ? undefined : JSON.stringify(options.body);
      response = await this.send(url, method, headers, body, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
      span.setAttribute('http.response.status_code', response.status);
      endSpan(span, response.status >= 500 ? `HTTP ${response.status}` : undefined);
    } catch (error) {
      endSpan(span, error);
      throw new AppError(
        'UPSTREAM_UNAVAILABLE',
        `${upstream} is not available; try again`,
        HttpStatus.SERVICE_UNAVAILABLE,
      );
    }
    const text = response.text;
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = undefined;
    }
    if (response.status >= 500 && response.status !== Number(HttpStatus.BAD_GATEWAY)) {
      throw new AppError('UPSTREAM_ERROR', `${upstream} failed; try again`, HttpStatus.BAD_GATEWAY);
    }
    if (response.status === 401) {
      // Our own service token was refused: a deployment mistake, not the client's (their token is checked here).
      throw new AppError(
        'UPSTREAM_UNAUTHORIZED',
        `${upstream} refused the service token; check INTERNAL_TOKEN`,
        HttpStatus.BAD_GATEWAY,
      );
    }
    if (response.status >= 400) {
      const error: Record<string, unknown> =
        typeof body === 'object' && body !== null ? { ...body } : { code: `HTTP_${response.status}` };
      delete error['correlationId'];
      throw new HttpException(error, response.status);
    }
    return { status: response.status, body: body as T };
  }

  onApplicationShutdown(): void {
    for (const agent of Object.values(this.agents)) agent.destroy();
  }

  /** One request; the whole exchange (connect, send, the complete answer) within timeoutMs. */
  private send(
    url: URL,
    method: string,
    headers: Record<string, string>,
    body: string | undefined,
    timeoutMs: number,
  ): Promise<{ status: number; text: string }> {
    const transport = url.protocol === 'https:' ? https : http;
    const agent = this.agents[url.protocol === 'https:' ? 'https:' : 'http:'];
    if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
    return new Promise((resolve, reject) => {
      const request = transport.request(url, { method, headers, agent }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') });
        });
        response.on('error', fail);
        response.on('close', () => {
          if (!response.complete) fail(new Error('the answer was cut off'));
        });
      });
      const timer = setTimeout(
        () => request.destroy(new UpstreamTimeoutError(`no answer in ${timeoutMs} ms`)),
        timeoutMs,
      );
      function fail(error: Error): void {
        clearTimeout(timer);
        reject(error);
      }
      request.on('error', fail);
      request.end(body);
    });
  }
}
