import type { PaymentAnomalyType } from '@shop/contracts';

/**
 * Where an anomaly is in its handling: REFUND_REQUIRED until someone (or ANOMALY_AUTO_REFUND) acts; REFUNDING
 * while its refund is pending, then REFUNDED or REFUND_FAILED (which may be refunded again); or DISMISSED by an
 * admin who decided no refund is due.
 */
export const ANOMALY_STATUSES = ['REFUND_REQUIRED', 'REFUNDING', 'REFUNDED', 'REFUND_FAILED', 'DISMISSED'] as const;

/** One of ANOMALY_STATUSES. */
export type AnomalyStatus = (typeof ANOMALY_STATUSES)[number];

/** One anomaly as GET /internal/v1/anomalies lists it. */
export interface PaymentAnomalyView {
  id: string;
  type: PaymentAnomalyType;
  orderNo: string;
  provider: string;
  providerTransactionId: string;
  /** Integer minor units. */
  amount: number;
  currency: string;
  detectedAt: string;
  status: AnomalyStatus;
  /** The refund that gives the money back, once one was requested. */
  refundId: string | null;
  /** Who dismissed it and why, or null. */
  resolvedBy: string | null;
  resolutionReason: string | null;
  resolvedAt: string | null;
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
