import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payment anomalies (PaymentAnomalyDetected events): money that arrived but settles no order, kept here because
 * the payment-gateway is the service that will refund it (a later issue).
 *
 * Decisions:
 * - One row per (type, provider, provider_transaction_id), UNIQUE: the same anomaly detected again (a
 *   redelivery under another event id, a second sweep) is the same row, whatever the inbox saw.
 * - status starts at REFUND_REQUIRED: every anomaly type is money to give back; the refund flow moves it on.
 * - order_no is varchar(64), not 32: an orphan's order number is whatever the provider sent.
 * - Listed newest first by detected_at, hence the index (with status for the usual filter).
 */
export class CreatePaymentAnomalies1764203100000 implements MigrationInterface {
  name = 'CreatePaymentAnomalies1764203100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "payment_anomalies" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "type" varchar(32) NOT NULL,
        "order_no" varchar(64) NOT NULL,
        "provider" varchar(20) NOT NULL,
        "provider_transaction_id" varchar(128) NOT NULL,
        "amount" bigint NOT NULL,
        "currency" char(3) NOT NULL,
        "detected_at" timestamptz NOT NULL,
        "status" varchar(20) NOT NULL DEFAULT 'REFUND_REQUIRED',
        "detail" jsonb,
        "event_id" uuid NOT NULL,
        "recorded_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT "pk_payment_anomalies" PRIMARY KEY ("id"),
        CONSTRAINT "uq_payment_anomalies_transaction" UNIQUE ("type", "provider", "provider_transaction_id"),
        CONSTRAINT "ck_payment_anomalies_type"
          CHECK ("type" IN ('AMOUNT_MISMATCH', 'ORPHAN_PAYMENT', 'LATE_PAYMENT', 'DUPLICATE_PAYMENT')),
        CONSTRAINT "ck_payment_anomalies_status" CHECK ("status" IN ('REFUND_REQUIRED')),
        CONSTRAINT "ck_payment_anomalies_amount" CHECK ("amount" >= 0),
        CONSTRAINT "ck_payment_anomalies_currency" CHECK ("currency" ~ '^[A-Z]{3}$')
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_payment_anomalies_detected_at" ON "payment_anomalies" ("detected_at" DESC, "id" DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_payment_anomalies_status" ON "payment_anomalies" ("status", "detected_at" DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "payment_anomalies"`);
  }
}
