import { HttpException, HttpStatus, Injectable } from '@nestjs/common';
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

/**
 * Internal HTTP calls to the services, with the caller's correlation id and trace (a client span whose W3C
 * traceparent the service continues). An upstream 4xx (already in our error
 * format) reaches the client unchanged; an upstream that is down or failing becomes 503/502 with a code.
 */
@Injectable()
export class UpstreamClient {
  private readonly baseUrls: Record<Upstream, string>;
  private readonly authorization: string | undefined;

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
    let response: Response;
    try {
      response = await fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
      });
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
    const text = await response.text();
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
}
