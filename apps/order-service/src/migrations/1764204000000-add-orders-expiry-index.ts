import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A partial index for the expiry sweep: it reads the oldest PENDING_PAYMENT orders in created_at order, and
 * only those; paid and cancelled orders (the vast majority over time) are not in the index at all.
 */
export class AddOrdersExpiryIndex1764204000000 implements MigrationInterface {
  name = 'AddOrdersExpiryIndex1764204000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX "ix_orders_pending_created" ON "orders" ("created_at", "id") WHERE "status" = 'PENDING_PAYMENT'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_orders_pending_created"`);
  }
}
