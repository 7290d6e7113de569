import type { EntityManager } from 'typeorm';

/** Records a verified payment as captured money (once per provider transaction); refunds draw on it. */
export async function recordCapture(
  manager: EntityManager,
  payment: {
    orderNo: string;
    provider: string;
    providerTransactionId: string;
    amount: number;
    currency: string;
    paidAt?: string;
    detectedAt?: string;
  },
): Promise<void> {
  await manager.query(
    `INSERT INTO captured_payments (provider, provider_transaction_id, order_no, amount, currency, captured_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`,
    [
      payment.provider,
      payment.providerTransactionId,
      payment.orderNo,
      payment.amount,
      payment.currency,
      payment.paidAt ?? payment.detectedAt ?? new Date().toISOString(),
    ],
  );
}
