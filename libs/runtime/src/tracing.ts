import { randomUUID } from 'node:crypto';
import {
  context as otelContext,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type ContextManager,
  type Span,
  type TextMapGetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  BatchSpanProcessor,
  ConsoleSpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TraceIdRatioBasedSampler,
  TracerProvider,
  type Sampler,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace';
import { currentContext, runInContext } from './request-context';

/** The standard OTEL_* settings this service honours (validated in ServiceConfig; the OTLP exporter reads its own). */
export interface TracingSettings {
  OTEL_SDK_DISABLED: boolean;
  OTEL_SERVICE_NAME: string;
  OTEL_TRACES_EXPORTER: 'none' | 'otlp' | 'console';
  OTEL_TRACES_SAMPLER: string;
  OTEL_TRACES_SAMPLER_ARG: number;
  OTEL_BSP_SCHEDULE_DELAY: number;
}

/**
 * OpenTelemetry's context manager over our own request context: the active span and the correlation id live in
 * one AsyncLocalStorage, because Fastify's onRequest hook can only `enterWith` a context, never wrap the handler.
 */
class RequestContextManager implements ContextManager {
  active(): Context {
    return currentContext()?.trace ?? ROOT_CONTEXT;
  }

  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    context: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    const correlationId = currentContext()?.correlationId ?? randomUUID();
    return runInContext({ correlationId, trace: context }, () => fn.call(thisArg, ...args));
  }

  bind<T>(context: Context, target: T): T {
    if (typeof target !== 'function') return target;
    const with_ = this.with.bind(this);
    const fn = target as (...args: unknown[]) => unknown;
    return function (this: unknown, ...args: unknown[]) {
      return with_(context, () => fn.apply(this, args));
    } as T;
  }

  enable(): this {
    return this;
  }

  disable(): this {
    return this;
  }
}

/** Reads propagation headers from HTTP (string or string[]) and Kafka (Buffer or string) header maps alike. */
const headerGetter: TextMapGetter<Record<string, unknown>> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => {
    const value = carrier[key];
    const first: unknown = Array.isArray(value) ? value[0] : value;
    if (typeof first === 'string') return first;
    return Buffer.isBuffer(first) ? first.toString('utf8') : undefined;
  },
};

function samplerFrom(settings: TracingSettings): Sampler {
  const ratio = new TraceIdRatioBasedSampler(settings.OTEL_TRACES_SAMPLER_ARG);
  switch (settings.OTEL_TRACES_SAMPLER) {
    case 'always_on':
      return new AlwaysOnSampler();
    case 'always_off':
      return new AlwaysOffSampler();
    case 'traceidratio':
      return ratio;
    case 'parentbased_always_off':
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case 'parentbased_traceidratio':
      return new ParentBasedSampler({ root: ratio });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}

let provider: TracerProvider | undefined;
let installed = false;

/**
 * Installs tracing for this process, once (a test process may build several apps; the first one wins).
 *
 * Spans are always made, so every log line of a request or a consumed event carries trace and span ids and the
 * W3C traceparent travels on; they are exported only when OTEL_TRACES_EXPORTER is otlp (endpoint, headers and
 * timeout from the standard OTEL_EXPORTER_OTLP_* variables) or console. Off by default. OTEL_SDK_DISABLED=true
 * makes no spans at all: an incoming traceparent is still passed on unchanged.
 */
export function startTracing(serviceName: string, settings: TracingSettings): void {
  if (installed) return;
  installed = true;
  otelContext.setGlobalContextManager(new RequestContextManager());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  if (settings.OTEL_SDK_DISABLED) return;
  const spanProcessors: SpanProcessor[] = [];
  if (settings.OTEL_TRACES_EXPORTER === 'otlp') {
    spanProcessors.push(
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter(),
        scheduledDelayMillis: settings.OTEL_BSP_SCHEDULE_DELAY,
      }),
    );
  } else if (settings.OTEL_TRACES_EXPORTER === 'console') {
    spanProcessors.push(new SimpleSpanProcessor({ exporter: new ConsoleSpanExporter() }));
  }
  provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.OTEL_SERVICE_NAME || serviceName }),
    sampler: samplerFrom(settings),
    spanProcessors,
  });
  trace.setGlobalTracerProvider(provider);
}

/** Sends the spans still buffered (at shutdown); never throws, a collector being away must not stop a service. */
export async function flushTracing(): Promise<void> {
  await provider?.forceFlush({ timeoutMillis: 2000 }).catch(() => undefined);
}

const tracer = () => trace.getTracer('@shop/runtime');

/**
 * Starts a span that continues the trace in `headers` (a W3C traceparent), or a new trace when there is none or
 * it is malformed. Returns the span and the context to run the work in.
 */
export function startSpanFromHeaders(
  headers: Record<string, unknown>,
  name: string,
  kind: SpanKind,
  attributes: Attributes = {},
): { span: Span; context: Context } {
  const parent = propagation.extract(ROOT_CONTEXT, headers, headerGetter);
  const span = tracer().startSpan(name, { kind, attributes }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** Starts a child span of the current one (e.g. an outgoing call), with the context to propagate. */
export function startChildSpan(
  name: string,
  kind: SpanKind,
  attributes: Attributes = {},
): { span: Span; context: Context } {
  const parent = otelContext.active();
  const span = tracer().startSpan(name, { kind, attributes }, parent);
  return { span, context: trace.setSpan(parent, span) };
}

/** Ends a span, marking it failed when the work failed. */
export function endSpan(span: Span, error?: unknown): void {
  if (error !== undefined) {
    span.setStatus({
      code: SpanStatusCode.ERROR,
      message: error instanceof Error ? error.message : typeof error === 'string' ? error : 'failed',
    });
  }
  span.end();
}

/** The W3C traceparent of a context (default: the current one), or undefined outside any trace. */
export function traceparentOf(context: Context = otelContext.active()): string | undefined {
  const carrier: Record<string, string> = {};
  propagation.inject(context, carrier);
  return carrier['traceparent'];
}

/** The trace and span ids of the current span, for log lines (the names the OpenTelemetry log model uses). */
export function traceLogFields(): { trace_id?: string; span_id?: string } {
  const active = currentContext()?.trace;
  const spanContext = active ? trace.getSpanContext(active) : undefined;
  if (!spanContext || !trace.isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}

export { SpanKind };
