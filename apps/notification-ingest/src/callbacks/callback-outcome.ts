import type { NotificationRejectReason } from '@shop/providers';

/**
 * How one provider callback ended; the `outcome` label of payment_callbacks_total and of the callback log line.
 * accepted, duplicate, orphan, amount_mismatch and ignored were answered with the provider's ack; the others were
 * refused (the provider retries) and stored nothing. rejected_replay: a second delivery of the very same signed
 * request (same WeChat Pay timestamp and nonce, same Stripe t and body) within the replay window.
 */
export type CallbackOutcome =
  | 'accepted'
  | 'duplicate'
  | 'orphan'
  | 'amount_mismatch'
  | 'ignored'
  | 'rejected_signature'
  | 'rejected_merchant'
  | 'rejected_malformed'
  | 'rejected_content_type'
  | 'rejected_too_large'
  | 'rejected_source'
  | 'rejected_probe'
  | 'rejected_replay'
  | 'rate_limited'
  | 'error';

/** Every outcome, so each series exists (at 0) from the start and dashboards need no "absent" special cases. */
export const CALLBACK_OUTCOMES: readonly CallbackOutcome[] = [
  'accepted',
  'duplicate',
  'orphan',
  'amount_mismatch',
  'ignored',
  'rejected_signature',
  'rejected_merchant',
  'rejected_malformed',
  'rejected_source',
  'rejected_probe',
  'rejected_replay',
  'rate_limited',
  'rejected_content_type',
  'rejected_too_large',
  'error',
];

/** The outcome of a notification the provider's verifier refused. */
export function rejectionOutcome(reason: NotificationRejectReason): CallbackOutcome {
  switch (reason) {
    case 'BAD_SIGNATURE':
    case 'UNSUPPORTED_SIGN_TYPE':
    case 'CERT_UNTRUSTED':
    case 'CERT_EXPIRED':
    case 'CERT_WRONG_CN':
    case 'STALE_TIMESTAMP':
    case 'UNKNOWN_SERIAL':
      return 'rejected_signature';
    case 'SIGNATURE_PROBE':
      return 'rejected_probe';
    case 'DECRYPT_FAILED':
      // Our APIv3 key does not open the resource: a configuration problem on our side, not the sender's.
      return 'error';
    case 'FOREIGN_APP_ID':
    case 'FOREIGN_SELLER_ID':
    case 'FOREIGN_MER_ID':
    case 'FOREIGN_MCH_ID':
      return 'rejected_merchant';
    case 'MALFORMED':
      return 'rejected_malformed';
    case 'UNSUPPORTED_CONTENT_TYPE':
      return 'rejected_content_type';
    case 'REPLAYED':
      return 'rejected_replay';
  }
}
