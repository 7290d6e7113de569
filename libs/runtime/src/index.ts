// First: before anything imports `http` as ESM (see lean-http.ts), and before NestJS loads (see lean-intl.ts).
import './lean-http';
import './lean-intl';
export { ConfigError, loadConfig } from './config';
export { ServiceConfig } from './service-config';
export { createLogger, NestPinoLogger } from './logger';
export { correlationIdFrom, currentContext, enterContext, runInContext } from './request-context';
export type { RequestContext } from './request-context';
export { AppError } from './errors';
export { HttpExceptionFilter } from './http-exception.filter';
export type { ErrorBody } from './http-exception.filter';
export { createValidationPipe } from './validation.pipe';
export { HealthController, HealthRegistry } from './health';
export type { HealthIndicator } from './health';
export { MetricsController, MetricsRegistry } from './metrics';
export { RuntimeModule, SERVICE_NAME } from './runtime.module';
export { createServiceApp, listenService, runService } from './bootstrap';
export type { OperatorError, ServiceDefinition } from './bootstrap';
export { INTERNAL_ROUTE_PREFIX, InternalAuthGuard } from './internal-auth.guard';
export {
  endSpan,
  flushTracing,
  SpanKind,
  startChildSpan,
  startSpanFromHeaders,
  startTracing,
  traceLogFields,
  traceparentOf,
} from './tracing';
export type { TracingSettings } from './tracing';
