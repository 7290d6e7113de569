import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When the provider stops accepting the payment (the lifetime we sent it: Alipay timeout_express, WeChat
 * time_expire, UnionPay payTimeout, Stripe expires_at). After it, "no such payment" from a query is final: UnionPay
 * has no close call, so that query is how its attempt of a cancelled order ends. Null when no deadline was sent.
 */
export class AddAttemptProviderExpiry1764206100000 implements MigrationInterface {
  name = 'AddAttemptProviderExpiry1764206100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "payment_attempts" ADD COLUMN "provider_expires_at" timestamptz`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "payment_attempts" DROP COLUMN "provider_expires_at"`);
  }
}
