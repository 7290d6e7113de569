import { isIP } from 'node:net';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import type { ProviderHttpResponse, VerifiedNotification } from '@shop/providers';
import { AppError } from '@shop/runtime';
import {
  LONE_SURROGATE,
  NotificationRecorder,
  type RecordedNotification,
} from '../notifications/notification-recorder';
import type { CallbackChannel } from './callback-channel';
import type { ProviderName } from '@shop/contracts';
import { CALLBACK_CHANNELS, type CallbackChannels } from './callback-channels.provider';
import { CallbackMetrics } from './callback-metrics';
import { type CallbackOutcome, rejectionOutcome } from './callback-outcome';

/** One provider callback as it arrived over HTTP. */
export interface CallbackRequest {
  /** The parsed body: the raw body string on the callback routes (see configureCallbackBodies). */
  readonly body: unknown;
  readonly contentType: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly sourceIp: string | undefined;
}

/**
 * Every provider's asynchronous notifications on one path: verify exactly as the provider specifies (its
 * notification verifier: content type, signature, freshness, merchant ids), record (one transaction: the row, its
 * replay key and its event), and answer in the provider's format: the ack only after the commit, so an
 * acknowledged notification is never lost; the provider's refusal (it retries) for anything refused.
 */
@Injectable()
export class CallbackService {
  private readonly logger = new Logger(CallbackService.name);

  constructor(
    @Inject(CALLBACK_CHANNELS) private readonly channels: CallbackChannels,
    private readonly recorder: NotificationRecorder,
    private readonly metrics: CallbackMetrics,
  ) {}

  async handle(provider: ProviderName, request: CallbackRequest): Promise<ProviderHttpResponse> {
    const channel = this.channels[provider];
    if (channel === null) {
      throw new AppError(
        'PROVIDER_DISABLED',
        `${provider} callbacks are not enabled on this deployment`,
        HttpStatus.NOT_FOUND,
      );
    }
    // Bodies of a type no callback parser keeps raw were parsed into something else; the verifier refuses them by
    // their content type before it looks at the body.
    const rawBody = typeof request.body === 'string' ? request.body : '';
    const verdict = channel.verifier.verify({ rawBody, contentType: request.contentType, headers: request.headers });
    if (!verdict.ok) {
      this.report(provider, rejectionOutcome(verdict.reason), {
        ...channel.claims(rawBody),
        verified: false,
        reason: verdict.reason,
      });
      return channel.verifier.reject(verdict.reason);
    }
    const notification = verdict.notification;
    const ids = { orderNo: notification.orderNo, notificationKey: notification.notificationKey, verified: true };
    const unstorable = unstorableIdentifier(notification);
    if (unstorable !== undefined) {
      // Signed, but not a notification this service can key: retrying it can never succeed, so no 5xx.
      this.report(provider, 'rejected_malformed', { ...ids, reason: 'MALFORMED', unstorable });
      return channel.verifier.reject('MALFORMED');
    }
    let recorded: RecordedNotification;
    try {
      recorded = await this.recorder.record(notification, {
        rawBody,
        sourceIp: request.sourceIp !== undefined && isIP(request.sourceIp) !== 0 ? request.sourceIp : null,
        receivedAt: new Date(),
      });
    } catch (error) {
      // Not acknowledged, and the provider retries the same notification later. The database error is replaced:
      // it carries the query parameters (the raw body with its signature), which must not reach any log.
      this.report(provider, 'error', { ...ids, error: describeError(error) });
      return notStored(channel);
    }
    this.report(provider, recorded.outcome, {
      ...ids,
      tradeStatus: notification.tradeStatus,
      providerTransactionId: notification.providerTransactionId,
      classification: recorded.classification,
      eventId: recorded.eventId,
    });
    return recorded.outcome === 'rejected_replay'
      ? channel.verifier.reject('REPLAYED')
      : channel.verifier.acknowledge();
  }

  /** The one log line and the counter of a callback. Never the signature, the body or a key. */
  private report(provider: ProviderName, outcome: CallbackOutcome, details: Record<string, unknown>): void {
    this.metrics.count(provider, outcome);
    const line = { msg: `${provider} callback ${outcome}`, provider, outcome, ...details };
    switch (outcome) {
      // Signature probes (rejected_probe) are the provider checking us: expected, never an alert.
      case 'accepted':
      case 'duplicate':
      case 'ignored':
      case 'rejected_probe':
        this.logger.log(line);
        return;
      case 'error':
        this.logger.error(line);
        return;
      // Orphans and amount mismatches need a person; refusals may be an attack or our misconfiguration.
      case 'orphan':
      case 'amount_mismatch':
      case 'rejected_signature':
      case 'rejected_merchant':
      case 'rejected_malformed':
      case 'rejected_content_type':
      case 'rejected_too_large':
      case 'rejected_source':
      case 'rejected_replay':
      case 'rate_limited':
        this.logger.warn(line);
        return;
    }
  }
}

/**
 * The answer to a notification that could not be stored: the provider's own server-error refusal where it has one
 * (WeChat Pay {"code":"FAIL"}, UnionPay, Stripe: 500); Alipay answers every refusal 400 `fail`, so it gets our
 * coded 500 instead. Either way the provider retries.
 */
function notStored(channel: CallbackChannel): ProviderHttpResponse {
  const refusal = channel.verifier.reject('INTERNAL_ERROR');
  if (refusal.status >= 500) return refusal;
  throw new AppError(
    'NOTIFICATION_NOT_STORED',
    'The notification could not be stored; it will be accepted on a retry',
    HttpStatus.INTERNAL_SERVER_ERROR,
  );
}

/** The widths of the provider_notifications and callback_replay_keys columns the identifiers go to. */
const IDENTIFIER_LIMITS = {
  notificationKey: 128,
  orderNo: 200,
  providerTransactionId: 128,
  tradeStatus: 100,
  replayKey: 128,
} as const;

/**
 * The first identifier of a verified notification that PostgreSQL cannot store as it is (longer than its column,
 * or holding U+0000 or a lone surrogate), or undefined. Such a notification would fail on every retry.
 */
function unstorableIdentifier(notification: VerifiedNotification): string | undefined {
  for (const [name, limit] of Object.entries(IDENTIFIER_LIMITS)) {
    const value: unknown = notification[name as keyof typeof IDENTIFIER_LIMITS];
    if (value === undefined) continue;
    if (
      typeof value !== 'string' ||
      value.length > limit ||
      value.includes('\u0000') ||
      value.search(LONE_SURROGATE) >= 0
    ) {
      return name;
    }
  }
  return undefined;
}

/** What to log of an unexpected error: its kind, message and database code, not its query or parameters. */
function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { type: error.name, message: error.message, code: typeof code === 'string' ? code : undefined };
}
