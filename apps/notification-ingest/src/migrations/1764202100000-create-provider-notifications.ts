import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * provider_notifications: every verified provider callback, stored once.
 *
 * Decisions:
 * - UNIQUE (provider, notification_key) is the dedupe: a provider's retries and a replayed capture carry the same
 *   key (Alipay notify_id), so the second insert does nothing and no second event is written. Alipay signatures
 *   have no timestamp, so this key (with the deterministic event id) is the only replay protection.
 * - The raw body is kept verbatim next to the decoded fields: the signature covers the raw form, so an auditor can
 *   re-verify it; the fields (jsonb) are what operators query.
 * - No foreign key to known_orders: an orphan's order is by definition not there, and the row must be kept anyway.
 * - Orphans and amount mismatches get a partial index: they are the rows operators list for review and refunds.
 */
export class CreateProviderNotifications1764202100000 implements MigrationInterface {
  name = 'CreateProviderNotifications1764202100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "provider_notifications" (
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "provider" varchar(20) NOT NULL,
        "notification_key" varchar(128) NOT NULL,
        "raw_body" text NOT NULL,
        "fields" jsonb NOT NULL,
        "order_no" varchar(64) NOT NULL,
        "provider_transaction_id" varchar(128) NOT NULL,
        "trade_status" varchar(32) NOT NULL,
        "amount" bigint NOT NULL,
        "currency" char(3) NOT NULL,
        "classification" varchar(20) NOT NULL,
        "event_id" uuid,
        "received_at" timestamptz NOT NULL DEFAULT now(),
        "source_ip" inet,
        CONSTRAINT "pk_provider_notifications" PRIMARY KEY ("id"),
        CONSTRAINT "uq_provider_notifications_key" UNIQUE ("provider", "notification_key"),
        CONSTRAINT "ck_provider_notifications_amount" CHECK ("amount" >= 0),
        CONSTRAINT "ck_provider_notifications_classification"
          CHECK ("classification" IN ('payment', 'amount_mismatch', 'orphan', 'non_payment')),
        CONSTRAINT "ck_provider_notifications_event_id"
          CHECK (("event_id" IS NOT NULL) = ("classification" IN ('payment', 'amount_mismatch')))
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_provider_notifications_order_no" ON "provider_notifications" ("order_no")`,
    );
    await queryRunner.query(`
      CREATE INDEX "ix_provider_notifications_review" ON "provider_notifications" ("received_at")
      WHERE "classification" IN ('orphan', 'amount_mismatch')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "provider_notifications"`);
  }
}
