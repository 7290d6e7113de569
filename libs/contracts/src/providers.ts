/**
 * Every payment provider the system knows, enabled or not. The names appear in the API, the databases, metrics
 * and event payloads, and are part of event ids: they are never renamed.
 */
export const PROVIDER_NAMES = ['alipay', 'wechatpay', 'unionpay', 'stripe'] as const;

/** A provider name as used in the API, the databases and events. */
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** Whether a string (a path segment, a column, a payload field) names a known provider. */
export function isProviderName(name: string | undefined): name is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(name ?? '');
}
