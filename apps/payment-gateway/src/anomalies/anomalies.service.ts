import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Topics, type PaymentAnomalyDetectedV1 } from '@shop/contracts';
import { recordInInbox } from '@shop/messaging';
import { PAYMENT_GATEWAY_CONSUMER } from '../payments/payments.service';
import type { AnomalyOutcome, AnomalyStatus, PaymentAnomalyPage } from './anomaly.views';
import type { ListAnomaliesQueryDto } from './list-anomalies-query.dto';

interface AnomalyRow {
  type: PaymentAnomalyDetectedV1['type'];
  order_no: string;
  provider: string;
  provider_transaction_id: string;
  amount: string;
  currency: string;
  detected_at: Date;
  status: AnomalyStatus;
  total: number;
}

/** Keeps the payment anomalies other services detect, as the refund work list. */
@Injectable()
export class AnomaliesService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * In one transaction: the event in the inbox (a redelivery changes nothing) and the anomaly row. The unique
   * (type, provider, provider_transaction_id) makes a re-detection under another event id a no-op as well.
   */
  async record(eventId: string, anomaly: PaymentAnomalyDetectedV1): Promise<AnomalyOutcome> {
    return this.dataSource.transaction(async (manager): Promise<AnomalyOutcome> => {
      if (!(await recordInInbox(manager, PAYMENT_GATEWAY_CONSUMER, eventId, Topics.PaymentAnomalyDetected))) {
        return 'duplicate';
      }
      const inserted: unknown[] = await manager.query(
        `INSERT INTO payment_anomalies (type, order_no, provider, provider_transaction_id, amount, currency,
           detected_at, detail, event_id)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
         ON CONFLICT (type, provider, provider_transaction_id) DO NOTHING RETURNING id`,
        [
          anomaly.type,
          anomaly.orderNo,
          anomaly.provider,
          anomaly.providerTransactionId,
          anomaly.amount,
          anomaly.currency,
          anomaly.detectedAt,
          anomaly.detail === undefined ? null : JSON.stringify(anomaly.detail),
          eventId,
        ],
      );
      return inserted.length === 1 ? 'recorded' : 'already-recorded';
    });
  }

  /** A page of anomalies, newest first, with the total matching the filters. */
  async list(query: ListAnomaliesQueryDto): Promise<PaymentAnomalyPage> {
    const { page, pageSize } = query;
    const rows: AnomalyRow[] = await this.dataSource.query(
      `SELECT type, order_no, provider, provider_transaction_id, amount, currency, detected_at, status,
         count(*) OVER ()::int AS total
       FROM payment_anomalies
       WHERE ($1::varchar IS NULL OR status = $1) AND ($2::varchar IS NULL OR type = $2)
       ORDER BY detected_at DESC, id DESC
       LIMIT $3 OFFSET $4`,
      [query.status ?? null, query.type ?? null, pageSize, (page - 1) * pageSize],
    );
    // A page past the end has no rows to carry the window count: ask for it separately.
    const total = rows[0]?.total ?? (page > 1 ? await this.count(query) : 0);
    return {
      items: rows.map((row) => ({
        type: row.type,
        orderNo: row.order_no,
        provider: row.provider,
        providerTransactionId: row.provider_transaction_id,
        // Checked >= 0 and written from a contract integer: a safe integer.
        amount: Number(row.amount),
        currency: row.currency,
        detectedAt: new Date(row.detected_at).toISOString(),
        status: row.status,
      })),
      page,
      pageSize,
      total,
    };
  }

  private async count(query: ListAnomaliesQueryDto): Promise<number> {
    const [{ n }]: { n: number }[] = await this.dataSource.query(
      `SELECT count(*)::int AS n FROM payment_anomalies
       WHERE ($1::varchar IS NULL OR status = $1) AND ($2::varchar IS NULL OR type = $2)`,
      [query.status ?? null, query.type ?? null],
    );
    return n;
  }
}
