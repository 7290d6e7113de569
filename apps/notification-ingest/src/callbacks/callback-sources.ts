import { Logger } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { NotificationIngestConfig } from '../notification-ingest.config';
import { PROVIDER_NAMES, type ProviderName } from '@shop/contracts';
import { CallbackMetrics } from './callback-metrics';
import { callbackProviderOf } from './callback-route';
import { IpRanges, clientAddress } from './ip-ranges';

const WINDOW_MS = 60_000;

const sources = new WeakMap<FastifyRequest['raw'], string>();

/** The caller's address as the source checks resolved it (trusted proxies honoured). */
export function callbackSource(request: FastifyRequest): string {
  return sources.get(request.raw) ?? request.ip;
}

/**
 * Counts refused callbacks per source in fixed one-minute windows. In memory, per replica: it is a brake on
 * someone probing signatures, not an accounting system, and it must not make the callback path wait on a database.
 */
class RejectionLimiter {
  private windowStart = Date.now();
  private counts = new Map<string, number>();

  constructor(private readonly limit: number) {}

  isLimited(source: string): boolean {
    this.roll();
    return (this.counts.get(source) ?? 0) >= this.limit;
  }

  record(source: string): void {
    this.roll();
    this.counts.set(source, (this.counts.get(source) ?? 0) + 1);
  }

  private roll(): void {
    if (Date.now() - this.windowStart >= WINDOW_MS) {
      this.windowStart = Date.now();
      this.counts = new Map();
    }
  }
}

/**
 * Source checks on every /callbacks/<provider> request, before its body is even read: a caller outside the
 * provider's allowlist gets 403 and nothing is stored; a source that keeps sending callbacks we refuse gets 429
 * until the minute is over. Must run before app.init().
 */
export function configureCallbackSources(app: NestFastifyApplication): void {
  const config = app.get(NotificationIngestConfig);
  const metrics = app.get(CallbackMetrics);
  const logger = new Logger('CallbackSources');
  const trusted = IpRanges.parse(config.TRUSTED_PROXIES);
  const allowed: Record<ProviderName, IpRanges> = {
    alipay: IpRanges.parse(config.ALIPAY_CALLBACK_ALLOWED_IPS),
    wechatpay: IpRanges.parse(config.WECHATPAY_CALLBACK_ALLOWED_IPS),
    unionpay: IpRanges.parse(config.UNIONPAY_CALLBACK_ALLOWED_IPS),
    stripe: IpRanges.parse(config.STRIPE_CALLBACK_ALLOWED_IPS),
  };
  for (const provider of PROVIDER_NAMES) {
    if (allowed[provider].isEmpty) {
      logger.warn(
        `${provider.toUpperCase()}_CALLBACK_ALLOWED_IPS is empty: ${provider} callbacks are accepted from any source`,
      );
    }
  }
  const limiter = new RejectionLimiter(config.CALLBACK_REJECTIONS_PER_MINUTE);
  const fastify = app.getHttpAdapter().getInstance();

  fastify.addHook('onRequest', async (request, reply) => {
    // The matched route, not request.url: every spelling the router accepts for a callback path is checked.
    const provider = callbackProviderOf(request);
    if (provider === undefined) return;
    const source = clientAddress(
      request.socket.remoteAddress ?? request.ip,
      request.headers['x-forwarded-for'],
      trusted,
    );
    sources.set(request.raw, source);
    if (!allowed[provider].isEmpty && !allowed[provider].contains(source)) {
      metrics.count(provider, 'rejected_source');
      logger.warn({ msg: `${provider} callback from outside the allowlist refused`, provider, source });
      await reply
        .status(403)
        .send({ code: 'SOURCE_NOT_ALLOWED', message: 'callbacks are not accepted from this address' });
      return reply;
    }
    if (limiter.isLimited(source)) {
      metrics.count(provider, 'rate_limited');
      await reply
        .status(429)
        .header('retry-after', '60')
        .send({ code: 'TOO_MANY_REQUESTS', message: 'too many refused callbacks from this address; retry later' });
      return reply;
    }
  });

  fastify.addHook('onResponse', (request, reply, done) => {
    const status = reply.statusCode;
    // Refusals of the request itself (bad signature, malformed, oversized, wrong type) count; our own answers
    // to the limiter and the allowlist do not, and neither do server errors (the provider did nothing wrong).
    if (
      callbackProviderOf(request) !== undefined &&
      status >= 400 &&
      status < 500 &&
      status !== 403 &&
      status !== 429
    ) {
      limiter.record(callbackSource(request));
    }
    done();
  });
}
