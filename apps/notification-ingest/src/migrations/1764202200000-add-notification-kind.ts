import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keeps what a notification means (kind, provider-neutral) and when it says the payment happened (paid_at), so an
 * orphan can be turned into its PaymentSucceeded later, when the order's OrderCreated arrives after the callback.
 */
export class AddNotificationKind1764202200000 implements MigrationInterface {
  name = 'AddNotificationKind1764202200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "provider_notifications" ADD COLUMN "kind" varchar(32)`);
    await queryRunner.query(`ALTER TABLE "provider_notifications" ADD COLUMN "paid_at" timestamptz`);
    // Rows stored before this migration are Alipay's; their status says what they meant.
    await queryRunner.query(`
      UPDATE "provider_notifications" SET "kind" = CASE
        WHEN "trade_status" IN ('TRADE_SUCCESS', 'TRADE_FINISHED') THEN 'payment-succeeded'
        WHEN "trade_status" = 'TRADE_CLOSED' THEN 'payment-closed'
        ELSE 'other' END`);
    await queryRunner.query(`ALTER TABLE "provider_notifications" ALTER COLUMN "kind" SET NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "provider_notifications" DROP COLUMN "paid_at"`);
    await queryRunner.query(`ALTER TABLE "provider_notifications" DROP COLUMN "kind"`);
  }
}
