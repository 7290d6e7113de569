import type { RefundKind } from '@shop/contracts';

/** Where a refund stands: PENDING until the provider says (answer, query or notification), then final. */
export type RefundStatus = 'PENDING' | 'SUCCEEDED' | 'FAILED';

/** A refund as the internal API shows it; amounts in minor units. */
export interface RefundView {
  refundId: string;
  kind: RefundKind;
  orderNo: string;
  provider: string;
  providerTransactionId: string;
  anomalyId: string | null;
  amount: number;
  currency: string;
  status: RefundStatus;
  reason: string;
  requestedBy: string;
  failureReason: string | null;
  createdAt: string;
  completedAt: string | null;
}
