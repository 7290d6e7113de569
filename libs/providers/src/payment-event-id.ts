// @shop/contracts decorates its classes with class-validator metadata, which needs the Reflect polyfill first.
import 'reflect-metadata';
import { deterministicEventId } from '@shop/contracts';
import { HttpStatus } from '@nestjs/common';
import { ProviderError } from './provider-error';
import type { VerifiedNotification } from './provider';

/**
 * The PaymentSucceeded event id of a verified notification: the same for every retry, every duplicate and an
 * active query of the same provider payment, so inboxes collapse them into one event.
 */
export function paymentSucceededEventId(
  notification: Pick<VerifiedNotification, 'provider' | 'providerTransactionId' | 'kind'>,
): string {
  if (notification.kind !== 'payment-succeeded') {
    throw new ProviderError(
      'PROVIDER_REQUEST_INVALID',
      `A ${notification.kind} notification has no PaymentSucceeded event id`,
      HttpStatus.INTERNAL_SERVER_ERROR,
    );
  }
  return deterministicEventId(notification.provider, notification.providerTransactionId, 'PaymentSucceeded');
}
