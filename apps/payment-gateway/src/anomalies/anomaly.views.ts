import type { PaymentAnomalyType } from '@shop/contracts';

/** Where an anomaly is in its handling. Refunds (a later issue) add the states after REFUND_REQUIRED. */
export const ANOMALY_STATUSES = ['REFUND_REQUIRED'] as const;

/** One of ANOMALY_STATUSES. */
export type AnomalyStatus = (typeof ANOMALY_STATUSES)[number];

/** One anomaly as GET /internal/v1/anomalies lists it. */
export interface PaymentAnomalyView {
  type: PaymentAnomalyType;
  orderNo: string;
  provider: string;
  providerTransactionId: string;
  /** Integer minor units. */
  amount: number;
  currency: string;
  detectedAt: string;
  status: AnomalyStatus;
}

/** A page of anomalies, newest first. */
export interface PaymentAnomalyPage {
  items: PaymentAnomalyView[];
  page: number;
  pageSize: number;
  total: number;
}

/** What applying a PaymentAnomalyDetected event did. */
export type AnomalyOutcome =
  /** This event id was applied before. */
  | 'duplicate'
  /** A new anomaly row. */
  | 'recorded'
  /** The same anomaly (type and provider transaction) under another event id: already there, nothing changed. */
  | 'already-recorded';
