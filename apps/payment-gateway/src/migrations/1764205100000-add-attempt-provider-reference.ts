import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What a provider needs besides our order number to find a payment again (active query, close): UnionPay's
 * txnTime (a consume is identified by orderId AND txnTime) and Stripe's Checkout Session id (Stripe cannot look
 * a session up by our order number). Written once, when the provider accepted the payment; null for providers
 * that find payments by order number alone (Alipay, WeChat Pay).
 */
export class AddAttemptProviderReference1764205100000 implements MigrationInterface {
  name = 'AddAttemptProviderReference1764205100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "payment_attempts" ADD COLUMN "provider_reference" varchar(255)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "payment_attempts" DROP COLUMN "provider_reference"`);
  }
}
