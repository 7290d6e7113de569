// ACP 5.1.0 facts the client and the notification verifier share: the fixed request fields, which respCodes mean
// paid, when the buyer paid, and the trust anchors both check UnionPay's signing certificates against.
import { HttpStatus } from '@nestjs/common';
import { ProviderError } from '../provider-error';
import type { UnionPayTrustConfig } from './unionpay.config';
import { UnionPayCertVerifier, UnionPayTrustConfigError } from './unionpay-certs';
import { parseUnionPayTime, parseUnionPayTraceTime } from './unionpay-time';

export const UNIONPAY_VERSION = '5.1.0';
export const UNIONPAY_ENCODING = 'UTF-8';
export const UNIONPAY_SIGN_METHOD = '01';
/** The gateway payment business (online B2C web payment). */
export const UNIONPAY_BIZ_TYPE = '000201';
export const UNIONPAY_FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded';
/** respCode / origRespCode values of a successful consume: 00, and A6 (success with some fields missing). */
export const UNIONPAY_SUCCESS_CODES: ReadonlySet<string> = new Set(['00', 'A6']);

/** A configuration problem, found at start. */
export function unionPayConfigError(message: string): ProviderError {
  return new ProviderError('PROVIDER_CONFIG_INVALID', message, HttpStatus.INTERNAL_SERVER_ERROR);
}

/** Checks merId and the trust anchors are present, and builds the signPubKeyCert verifier from them. */
export function unionPayTrust(config: UnionPayTrustConfig & { readonly merId: string }): UnionPayCertVerifier {
  for (const field of ['merId', 'rootCert', 'middleCert'] as const) {
    const value = config[field];
    if (typeof value !== 'string' || value.trim() === '') throw unionPayConfigError(`UnionPay ${field} is required`);
  }
  try {
    return new UnionPayCertVerifier(config.rootCert, config.middleCert, config.expectedCnName);
  } catch (error) {
    if (error instanceof UnionPayTrustConfigError) throw unionPayConfigError(error.message);
    throw error;
  }
}

/** When the buyer paid: traceTime (MMddHHmmss) placed in the year of txnTime, else txnTime itself. */
export function unionPayPaidAt(txnTime: string, traceTime: string | undefined): Date | undefined {
  const ordered = parseUnionPayTime(txnTime);
  if (ordered === undefined) return undefined;
  return (traceTime === undefined ? undefined : parseUnionPayTraceTime(traceTime, ordered)) ?? ordered;
}
