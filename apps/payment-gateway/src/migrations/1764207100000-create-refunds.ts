import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Refunds, and what they may take from.
 *
 * Decisions:
 * - captured_payments: one row per verified provider transaction (the payment that paid an order, or one that is
 *   an anomaly), with the amount the provider took and reserved_amount, the sum of its PENDING and SUCCEEDED
 *   refunds. CHECK (reserved_amount <= amount) makes "never refund more than was captured" the database's rule:
 *   every refund adds to reserved_amount in its own transaction under the row's lock, so 50 concurrent refunds
 *   queue on the row and the one that would overdraw fails the check. A FAILED refund gives its amount back.
 * - refunds: one row per refund, created PENDING before the provider is asked (so a crash in between leaves a
 *   row that the refund sweep sends again with the same provider key), made final by the provider's answer, a
 *   query or a notification. provider_refund_no is the key the provider sees (Alipay out_request_no, WeChat Pay
 *   out_refund_no, UnionPay orderId, Stripe's Idempotency-Key): unique, so a retry is the same refund there.
 *   request_key is the api-gateway's digest of the admin's Idempotency-Key: a retried request finds its refund.
 * - Anomalies move REFUND_REQUIRED -> REFUNDING -> REFUNDED (or REFUND_FAILED, refundable again), or DISMISSED.
 */
export class CreateRefunds1764207100000 implements MigrationInterface {
  name = 'CreateRefunds1764207100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "captured_payments" (
        "provider" varchar(20) NOT NULL,
        "provider_transaction_id" varchar(128) NOT NULL,
        "order_no" varchar(64) NOT NULL,
        "amount" bigint NOT NULL,
        "currency" char(3) NOT NULL,
        "reserved_amount" bigint NOT NULL DEFAULT 0,
        "captured_at" timestamptz NOT NULL,
        "recorded_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_captured_payments" PRIMARY KEY ("provider", "provider_transaction_id"),
        CONSTRAINT "ck_captured_payments_amount" CHECK ("amount" >= 0),
        CONSTRAINT "ck_captured_payments_reserved" CHECK ("reserved_amount" BETWEEN 0 AND "amount")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_captured_payments_order" ON "captured_payments" ("order_no")`);
    // Every payment already recorded on an attempt is captured money.
    await queryRunner.query(`
      INSERT INTO "captured_payments" (provider, provider_transaction_id, order_no, amount, currency, captured_at)
      SELECT provider, provider_transaction_id, order_no, amount, currency, coalesce(succeeded_at, updated_at)
      FROM payment_attempts WHERE status = 'SUCCEEDED' AND provider_transaction_id IS NOT NULL
      ON CONFLICT DO NOTHING`);

    await queryRunner.query(`
      CREATE TABLE "refunds" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "kind" varchar(10) NOT NULL,
        "order_no" varchar(64) NOT NULL,
        "provider" varchar(20) NOT NULL,
        "provider_transaction_id" varchar(128) NOT NULL,
        "anomaly_id" uuid,
        "amount" bigint NOT NULL,
        "currency" char(3) NOT NULL,
        "status" varchar(10) NOT NULL DEFAULT 'PENDING',
        "reason" varchar(200) NOT NULL,
        "requested_by" varchar(128) NOT NULL,
        "request_key" char(64),
        "provider_refund_no" varchar(64) NOT NULL,
        "provider_refund_id" varchar(128),
        "failure_reason" varchar(200),
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "sent_at" timestamptz,
        "completed_at" timestamptz,
        "next_check_at" timestamptz NOT NULL DEFAULT now(),
        "checks" integer NOT NULL DEFAULT 0,
        CONSTRAINT "pk_refunds" PRIMARY KEY ("id"),
        CONSTRAINT "fk_refunds_payment" FOREIGN KEY ("provider", "provider_transaction_id")
          REFERENCES "captured_payments" ("provider", "provider_transaction_id"),
        CONSTRAINT "fk_refunds_anomaly" FOREIGN KEY ("anomaly_id") REFERENCES "payment_anomalies" ("id"),
        CONSTRAINT "uq_refunds_provider_refund_no" UNIQUE ("provider_refund_no"),
        CONSTRAINT "uq_refunds_request_key" UNIQUE ("request_key"),
        CONSTRAINT "ck_refunds_kind" CHECK ("kind" IN ('order', 'anomaly')),
        CONSTRAINT "ck_refunds_anomaly" CHECK (("kind" = 'anomaly') = ("anomaly_id" IS NOT NULL)),
        CONSTRAINT "ck_refunds_status" CHECK ("status" IN ('PENDING', 'SUCCEEDED', 'FAILED')),
        CONSTRAINT "ck_refunds_amount" CHECK ("amount" > 0),
        CONSTRAINT "ck_refunds_completed" CHECK (("status" = 'PENDING') = ("completed_at" IS NULL))
      )`);
    await queryRunner.query(`CREATE INDEX "ix_refunds_order" ON "refunds" ("order_no", "created_at")`);
    // The refund sweep reads only PENDING refunds that are due.
    await queryRunner.query(
      `CREATE INDEX "ix_refunds_pending_due" ON "refunds" ("next_check_at") WHERE "status" = 'PENDING'`,
    );

    await queryRunner.query(`ALTER TABLE "payment_anomalies" DROP CONSTRAINT "ck_payment_anomalies_status"`);
    await queryRunner.query(`
      ALTER TABLE "payment_anomalies"
        ADD CONSTRAINT "ck_payment_anomalies_status"
          CHECK ("status" IN ('REFUND_REQUIRED', 'REFUNDING', 'REFUNDED', 'REFUND_FAILED', 'DISMISSED')),
        ADD COLUMN "refund_id" uuid,
        ADD COLUMN "resolved_by" varchar(128),
        ADD COLUMN "resolution_reason" varchar(200),
        ADD COLUMN "resolved_at" timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE "payment_anomalies"
        DROP COLUMN "resolved_at", DROP COLUMN "resolution_reason", DROP COLUMN "resolved_by",
        DROP COLUMN "refund_id", DROP CONSTRAINT "ck_payment_anomalies_status"`);
    await queryRunner.query(
      `ALTER TABLE "payment_anomalies" ADD CONSTRAINT "ck_payment_anomalies_status" CHECK ("status" IN ('REFUND_REQUIRED'))`,
    );
    await queryRunner.query(`DROP TABLE "refunds"`);
    await queryRunner.query(`DROP TABLE "captured_payments"`);
  }
}
