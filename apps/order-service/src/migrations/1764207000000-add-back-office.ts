import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The back office: shipping, completion, refunds on the order, and an audited, append-only timeline.
 *
 * Decisions:
 * - Two statuses more: PARTIALLY_REFUNDED (0 < refunded < total) and COMPLETED (delivered, after SHIPPED).
 *   refunded_amount is the order's own running total of succeeded refunds; the database keeps it within
 *   0..total_amount, so no code path can refund an order past what it cost.
 * - Shipments are rows of their own: an order may leave in several parcels, and a customer sees each.
 *   (order, carrier, tracking number) is unique, so the same parcel recorded twice is one shipment.
 * - Every timeline entry names its actor: the admin's or customer's token subject, or "system" for what the
 *   services did by themselves. The timeline is the audit trail of admin actions, so it is append-only like the
 *   ledger's journal: UPDATE, DELETE and TRUNCATE are refused by triggers.
 * - request_key: the api-gateway's digest of a caller's Idempotency-Key, unique per customer, so a retried
 *   order creation whose first answer was lost finds the first order instead of making a second.
 * - Admin search reads newest first, optionally by status; two indexes keep that cheap at any size.
 */
export class AddBackOffice1764207000000 implements MigrationInterface {
  name = 'AddBackOffice1764207000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "orders" DROP CONSTRAINT "ck_orders_status"`);
    await queryRunner.query(`
      ALTER TABLE "orders"
        ADD CONSTRAINT "ck_orders_status" CHECK ("status" IN
          ('PENDING_PAYMENT', 'PAID', 'CANCELLED', 'SHIPPED', 'COMPLETED', 'PARTIALLY_REFUNDED', 'REFUNDED')),
        ADD COLUMN "refunded_amount" bigint NOT NULL DEFAULT 0,
        ADD COLUMN "shipped_at" timestamptz,
        ADD COLUMN "completed_at" timestamptz,
        ADD COLUMN "request_key" char(64),
        ADD CONSTRAINT "ck_orders_refunded_amount" CHECK ("refunded_amount" BETWEEN 0 AND "total_amount"),
        ADD CONSTRAINT "ck_orders_refund_status" CHECK (
          ("status" = 'REFUNDED') = ("refunded_amount" = "total_amount")
          AND ("status" <> 'PARTIALLY_REFUNDED' OR "refunded_amount" > 0)
        )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX "uq_orders_customer_request_key" ON "orders" ("customer_id", "request_key")
       WHERE "request_key" IS NOT NULL`,
    );
    await queryRunner.query(`CREATE INDEX "ix_orders_created" ON "orders" ("created_at" DESC, "id" DESC)`);
    await queryRunner.query(
      `CREATE INDEX "ix_orders_status_created" ON "orders" ("status", "created_at" DESC, "id" DESC)`,
    );

    await queryRunner.query(`
      CREATE TABLE "order_shipments" (
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "order_id" bigint NOT NULL,
        "carrier" varchar(64) NOT NULL,
        "tracking_no" varchar(64) NOT NULL,
        "shipped_at" timestamptz NOT NULL DEFAULT now(),
        "shipped_by" varchar(128) NOT NULL,
        CONSTRAINT "pk_order_shipments" PRIMARY KEY ("id"),
        CONSTRAINT "fk_order_shipments_order" FOREIGN KEY ("order_id") REFERENCES "orders" ("id"),
        CONSTRAINT "uq_order_shipments_parcel" UNIQUE ("order_id", "carrier", "tracking_no")
      )`);

    await queryRunner.query(`ALTER TABLE "order_timeline" ADD COLUMN "actor" varchar(128) NOT NULL DEFAULT 'system'`);
    await queryRunner.query(`
      CREATE FUNCTION "order_timeline_refuse_change"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION '% is append-only: % refused; add a new entry instead', TG_TABLE_NAME, TG_OP
          USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER "order_timeline_append_only" BEFORE UPDATE OR DELETE ON "order_timeline"
      FOR EACH ROW EXECUTE FUNCTION "order_timeline_refuse_change"()`);
    await queryRunner.query(`
      CREATE TRIGGER "order_timeline_no_truncate" BEFORE TRUNCATE ON "order_timeline"
      FOR EACH STATEMENT EXECUTE FUNCTION "order_timeline_refuse_change"()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER "order_timeline_no_truncate" ON "order_timeline"`);
    await queryRunner.query(`DROP TRIGGER "order_timeline_append_only" ON "order_timeline"`);
    await queryRunner.query(`DROP FUNCTION "order_timeline_refuse_change"()`);
    await queryRunner.query(`ALTER TABLE "order_timeline" DROP COLUMN "actor"`);
    await queryRunner.query(`DROP TABLE "order_shipments"`);
    await queryRunner.query(`DROP INDEX "ix_orders_status_created"`);
    await queryRunner.query(`DROP INDEX "ix_orders_created"`);
    await queryRunner.query(`DROP INDEX "uq_orders_customer_request_key"`);
    await queryRunner.query(`
      ALTER TABLE "orders"
        DROP CONSTRAINT "ck_orders_refund_status",
        DROP CONSTRAINT "ck_orders_refunded_amount",
        DROP COLUMN "request_key",
        DROP COLUMN "completed_at",
        DROP COLUMN "shipped_at",
        DROP COLUMN "refunded_amount",
        DROP CONSTRAINT "ck_orders_status"`);
    await queryRunner.query(`
      ALTER TABLE "orders" ADD CONSTRAINT "ck_orders_status"
        CHECK ("status" IN ('PENDING_PAYMENT', 'PAID', 'CANCELLED', 'SHIPPED', 'REFUNDED'))`);
  }
}
