import { isIP } from 'node:net';
import { HttpStatus, Inject, Injectable, Logger } from '@nestjs/common';
import {
  type AlipayAdapter,
  NotificationRejectedError,
  type ProviderHttpResponse,
  type VerifiedNotification,
} from '@shop/providers';
import { AppError } from '@shop/runtime';
import { CallbackMetrics } from '../callbacks/callback-metrics';
import { type CallbackOutcome, rejectionOutcome } from '../callbacks/callback-outcome';
import { NotificationRecorder, type RecordedNotification } from '../notifications/notification-recorder';
import { ALIPAY_VERIFIER } from './alipay-verifier.provider';

const PROVIDER = 'alipay';
// Claimed ids of a refused notification are logged for tracing, but cut short: they are unverified input.
const CLAIM_MAX_LENGTH = 64;

/** One Alipay callback as it arrived over HTTP. */
export interface AlipayCallbackRequest {
  /** The parsed body: a string for form bodies (see configureCallbackBodies), anything else otherwise. */
  readonly body: unknown;
  readonly contentType: string | undefined;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly sourceIp: string | undefined;
}

/**
 * Alipay's asynchronous notifications: verify exactly as Alipay specifies (the adapter: content type, RSA2
 * signature, app_id, seller_id), record (one transaction), and answer in Alipay's format: `success` only after
 * the commit, so an acknowledged notification is never lost; `fail` (Alipay retries) for anything refused.
 */
@Injectable()
export class AlipayCallbackService {
  private readonly logger = new Logger(AlipayCallbackService.name);

  constructor(
    @Inject(ALIPAY_VERIFIER) private readonly alipay: AlipayAdapter | null,
    private readonly recorder: NotificationRecorder,
    private readonly metrics: CallbackMetrics,
  ) {}

  async handle(request: AlipayCallbackRequest): Promise<ProviderHttpResponse> {
    const alipay = this.alipay;
    if (alipay === null) {
      throw new AppError(
        'PROVIDER_DISABLED',
        'Alipay callbacks are not enabled on this deployment',
        HttpStatus.NOT_FOUND,
      );
    }
    // Any other content type was parsed into something else (JSON into an object); the adapter refuses it by its
    // content type before it looks at the body.
    const rawBody = typeof request.body === 'string' ? request.body : '';
    let notification: VerifiedNotification;
    try {
      notification = alipay.verifyNotification({ rawBody, contentType: request.contentType, headers: request.headers });
    } catch (error) {
      if (!(error instanceof NotificationRejectedError)) throw error;
      this.report(rejectionOutcome(error.reason), { ...claimedIds(rawBody), verified: false, reason: error.reason });
      return alipay.rejectResponse(error.reason);
    }
    const ids = { orderNo: notification.orderNo, notifyId: notification.notificationKey, verified: true };
    let recorded: RecordedNotification;
    try {
      recorded = await this.recorder.record(notification, {
        rawBody,
        sourceIp: request.sourceIp !== undefined && isIP(request.sourceIp) !== 0 ? request.sourceIp : null,
        receivedAt: new Date(),
      });
    } catch (error) {
      // Not acknowledged: 500, and Alipay retries the same notification later. The database error is replaced:
      // it carries the query parameters (the raw body with its signature), which must not reach any log.
      this.report('error', { ...ids, error: describeError(error) });
      throw new AppError(
        'NOTIFICATION_NOT_STORED',
        'The notification could not be stored; it will be accepted on a retry',
        HttpStatus.INTERNAL_SERVER_ERROR,
      );
    }
    this.report(recorded.outcome, {
      ...ids,
      tradeStatus: notification.tradeStatus,
      tradeNo: notification.providerTransactionId,
      classification: recorded.classification,
      eventId: recorded.eventId,
    });
    return alipay.ackResponse();
  }

  /** The one log line and the counter of a callback. Never the signature, the body or a key. */
  private report(outcome: CallbackOutcome, details: Record<string, unknown>): void {
    this.metrics.count(PROVIDER, outcome);
    const line = { msg: `${PROVIDER} callback ${outcome}`, provider: PROVIDER, outcome, ...details };
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
      case 'rate_limited':
        this.logger.warn(line);
        return;
    }
  }
}

/** What to log of an unexpected error: its kind, message and database code, not its query or parameters. */
function describeError(error: unknown): Record<string, unknown> {
  if (!(error instanceof Error)) return { message: String(error) };
  const code = (error as { code?: unknown }).code;
  return { type: error.name, message: error.message, code: typeof code === 'string' ? code : undefined };
}

function claimedIds(rawBody: string): { orderNo?: string; notifyId?: string } {
  const form = new URLSearchParams(rawBody);
  const claim = (name: string): string | undefined => form.get(name)?.slice(0, CLAIM_MAX_LENGTH);
  return { orderNo: claim('out_trade_no'), notifyId: claim('notify_id') };
}
