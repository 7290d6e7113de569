import type { PaymentMethod } from '@shop/providers';
import type { ProviderName } from '@shop/contracts';
import type { PaymentAttemptStatus } from './payment-attempt.entity';

/** The answer to POST /internal/v1/payments: what the buyer needs to pay, QR code or redirect. */
export type CreatedPaymentView = {
  paymentId: string;
  provider: ProviderName;
  method: PaymentMethod;
  status: 'PENDING';
} & (
  | { qrCode: string }
  | { redirectUrl: string }
  | { codeUrl: string }
  | { form: { action: string; fields: Readonly<Record<string, string>> } }
  | { checkoutUrl: string }
);

/** One attempt as GET /internal/v1/payments lists it. */
export interface PaymentAttemptView {
  paymentId: string;
  provider: ProviderName;
  method: PaymentMethod;
  status: PaymentAttemptStatus;
  providerTransactionId: string | null;
  /** Integer minor units. */
  amount: number;
  currency: string;
  createdAt: string;
  succeededAt: string | null;
}

/** What applying a PaymentSucceeded event did. */
export type PaymentSucceededOutcome =
  | { status: 'applied'; paymentId: string }
  | { status: 'duplicate' }
  | { status: 'already-recorded'; paymentId: string }
  | { status: 'no-pending-attempt' };
