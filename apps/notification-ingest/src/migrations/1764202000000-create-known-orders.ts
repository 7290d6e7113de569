import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * known_orders: the local projection of OrderCreated events, so a callback can tell a known order from an orphan
 * without asking the order-service while the provider waits. Orders are immutable in what is kept here (number,
 * total, currency), so the projection is insert-only.
 */
export class CreateKnownOrders1764202000000 implements MigrationInterface {
  name = 'CreateKnownOrders1764202000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "known_orders" (
        "order_no" varchar(32) NOT NULL,
        "total_amount" bigint NOT NULL,
        "currency" char(3) NOT NULL,
        "created_at" timestamptz NOT NULL,
        CONSTRAINT "pk_known_orders" PRIMARY KEY ("order_no"),
        CONSTRAINT "ck_known_orders_total_amount" CHECK ("total_amount" > 0)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "known_orders"`);
  }
}
