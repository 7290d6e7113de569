import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The catalog (products), orders, their lines and their timeline, with a seeded CNY catalog.
 *
 * Decisions:
 * - Amounts are bigint minor units (a 50-line order of 999 items outgrows int4 quickly); the code reads them back
 *   through toSafeAmount, never Number() blindly.
 * - Lines copy the product's name and unit price at order time: a later price change must not alter an order.
 *   The database re-checks line_amount = unit_amount * quantity, so no code path can store an inconsistent line.
 * - orders.id is the internal key lines and timeline refer to; order_no is the public, unique key providers see.
 * - A review flag (review_reason, review_detail, flagged_at) sits beside the status, not in it: a flagged order
 *   keeps the status it had, and the flag says why a human must look.
 * - The timeline is append-only history; entries within one transaction keep their order through the identity id.
 */
export class CreateOrders1764202000000 implements MigrationInterface {
  name = 'CreateOrders1764202000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "products" (
        "sku" varchar(64) NOT NULL,
        "name" varchar(200) NOT NULL,
        "unit_amount" bigint NOT NULL,
        "currency" char(3) NOT NULL,
        "active" boolean NOT NULL DEFAULT true,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_products" PRIMARY KEY ("sku"),
        CONSTRAINT "ck_products_sku" CHECK ("sku" ~ '^[A-Z0-9]+(-[A-Z0-9]+)*$'),
        CONSTRAINT "ck_products_unit_amount" CHECK ("unit_amount" > 0),
        CONSTRAINT "ck_products_currency" CHECK ("currency" ~ '^[A-Z]{3}$')
      )`);
    await queryRunner.query(`
      CREATE TABLE "orders" (
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "order_no" varchar(32) NOT NULL,
        "customer_id" varchar(128) NOT NULL,
        "status" varchar(20) NOT NULL,
        "total_amount" bigint NOT NULL,
        "currency" char(3) NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "updated_at" timestamptz NOT NULL DEFAULT now(),
        "paid_at" timestamptz,
        "payment_provider" varchar(20),
        "provider_transaction_id" varchar(128),
        "cancelled_at" timestamptz,
        "cancel_reason" varchar(200),
        "review_reason" varchar(50),
        "review_detail" jsonb,
        "flagged_at" timestamptz,
        CONSTRAINT "pk_orders" PRIMARY KEY ("id"),
        CONSTRAINT "uq_orders_order_no" UNIQUE ("order_no"),
        CONSTRAINT "ck_orders_order_no" CHECK ("order_no" ~ '^[A-Za-z0-9]{8,32}$'),
        CONSTRAINT "ck_orders_status" CHECK ("status" IN ('PENDING_PAYMENT', 'PAID', 'CANCELLED', 'SHIPPED', 'REFUNDED')),
        CONSTRAINT "ck_orders_total_amount" CHECK ("total_amount" > 0),
        CONSTRAINT "ck_orders_currency" CHECK ("currency" ~ '^[A-Z]{3}$'),
        CONSTRAINT "ck_orders_paid" CHECK (
          "status" IN ('PENDING_PAYMENT', 'CANCELLED')
          OR ("paid_at" IS NOT NULL AND "payment_provider" IS NOT NULL AND "provider_transaction_id" IS NOT NULL)
        )
      )`);
    // A customer's order list, newest first, is the hot read.
    await queryRunner.query(
      `CREATE INDEX "ix_orders_customer_created" ON "orders" ("customer_id", "created_at" DESC, "id" DESC)`,
    );
    await queryRunner.query(`
      CREATE TABLE "order_lines" (
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "order_id" bigint NOT NULL,
        "line_no" smallint NOT NULL,
        "sku" varchar(64) NOT NULL,
        "name" varchar(200) NOT NULL,
        "quantity" integer NOT NULL,
        "unit_amount" bigint NOT NULL,
        "line_amount" bigint NOT NULL,
        CONSTRAINT "pk_order_lines" PRIMARY KEY ("id"),
        CONSTRAINT "fk_order_lines_order" FOREIGN KEY ("order_id") REFERENCES "orders" ("id"),
        CONSTRAINT "uq_order_lines_order_line" UNIQUE ("order_id", "line_no"),
        CONSTRAINT "uq_order_lines_order_sku" UNIQUE ("order_id", "sku"),
        CONSTRAINT "ck_order_lines_quantity" CHECK ("quantity" BETWEEN 1 AND 999),
        CONSTRAINT "ck_order_lines_unit_amount" CHECK ("unit_amount" > 0),
        CONSTRAINT "ck_order_lines_line_amount" CHECK ("line_amount" = "unit_amount" * "quantity")
      )`);
    await queryRunner.query(`
      CREATE TABLE "order_timeline" (
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "order_id" bigint NOT NULL,
        "at" timestamptz NOT NULL DEFAULT now(),
        "event" varchar(50) NOT NULL,
        "detail" jsonb,
        CONSTRAINT "pk_order_timeline" PRIMARY KEY ("id"),
        CONSTRAINT "fk_order_timeline_order" FOREIGN KEY ("order_id") REFERENCES "orders" ("id")
      )`);
    await queryRunner.query(`CREATE INDEX "ix_order_timeline_order" ON "order_timeline" ("order_id", "id")`);

    // The starting catalog; prices in fen. Later catalog changes are migrations or an admin API, never edits here.
    await queryRunner.query(`
      INSERT INTO "products" ("sku", "name", "unit_amount", "currency") VALUES
        ('CHOPSTICKS-EBONY', 'Ebony chopsticks, 5 pairs', 3900, 'CNY'),
        ('MUG-CELADON', 'Celadon mug, 350 ml', 6800, 'CNY'),
        ('TEA-LONGJING-250G', 'West Lake Longjing green tea, 250 g', 12800, 'CNY')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "order_timeline"`);
    await queryRunner.query(`DROP TABLE "order_lines"`);
    await queryRunner.query(`DROP TABLE "orders"`);
    await queryRunner.query(`DROP TABLE "products"`);
  }
}
