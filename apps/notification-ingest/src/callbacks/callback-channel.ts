import { Logger } from '@nestjs/common';
import type { ProviderName } from '@shop/contracts';
import type { NotificationVerifier } from '@shop/providers';

/** What the callback path needs of a provider: verify a notification, answer in the provider's format. */
export type CallbackVerifier = Pick<NotificationVerifier, 'verify' | 'acknowledge' | 'reject'>;

/** Ids a notification claims before it is verified: logged to trace a refusal, never trusted. */
export interface ClaimedIds {
  readonly orderNo?: string;
  readonly notificationKey?: string;
}

/** A configured provider's callback endpoint: its notification verifier and how to read claims from its body. */
export interface CallbackChannel {
  readonly provider: ProviderName;
  readonly verifier: CallbackVerifier;
  /** The ids a body claims (for the log line of a refused notification); cut short, may be absent. */
  claims(rawBody: string): ClaimedIds;
}

// Claimed ids are unverified input: logged for tracing, but cut short.
const CLAIM_MAX_LENGTH = 64;

/** Claims of a form body (Alipay, UnionPay): the values of the named fields. */
export function formClaims(rawBody: string, names: { orderNo: string; notificationKey: string }): ClaimedIds {
  const form = new URLSearchParams(rawBody);
  const claim = (name: string): string | undefined => form.get(name)?.slice(0, CLAIM_MAX_LENGTH);
  return { orderNo: claim(names.orderNo), notificationKey: claim(names.notificationKey) };
}

/** Claims of a JSON body (WeChat Pay, Stripe): its top-level `id`, the notification or event id. */
export function jsonIdClaims(rawBody: string): ClaimedIds {
  try {
    const parsed: unknown = JSON.parse(rawBody);
    const id = typeof parsed === 'object' && parsed !== null ? (parsed as { id?: unknown }).id : undefined;
    return typeof id === 'string' ? { notificationKey: id.slice(0, CLAIM_MAX_LENGTH) } : {};
  } catch {
    return {};
  }
}

const logger = new Logger('CallbackChannels');

/** Logs, once at start, that a provider's endpoint is off and why; returns the null channel. */
export function disabledChannel(provider: ProviderName, variable: string): null {
  logger.log(
    `${provider} callbacks disabled: ${variable} is not set; POST /callbacks/${provider} answers 404 PROVIDER_DISABLED`,
  );
  return null;
}

/** Logs, once at start, that a provider's endpoint is on (details must hold no secret). */
export function enabledChannel(channel: CallbackChannel, details: Record<string, unknown> = {}): CallbackChannel {
  logger.log({
    msg: `${channel.provider} callbacks enabled: POST /callbacks/${channel.provider}`,
    provider: channel.provider,
    ...details,
  });
  return channel;
}
