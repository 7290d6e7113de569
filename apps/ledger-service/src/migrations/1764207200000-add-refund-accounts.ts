import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts for money going out and money held: refunds and payment anomalies.
 * - liabilities:refunds-due holds what a payment anomaly took (a duplicate, late, orphan or mismatched payment)
 *   until it is refunded (debit refunds-due, credit the provider's clearing) or dismissed.
 * - revenue:retained-anomalies takes what an admin dismissed: the shop keeps it, settled outside the system.
 */
export class AddRefundAccounts1764207200000 implements MigrationInterface {
  name = 'AddRefundAccounts1764207200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      INSERT INTO "accounts" ("code", "type") VALUES
        ('liabilities:refunds-due', 'liability'),
        ('revenue:retained-anomalies', 'revenue')`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Accounts with entries cannot go (the journal is append-only and refers to them); the FK refuses it.
    await queryRunner.query(
      `DELETE FROM "accounts" WHERE "code" IN ('liabilities:refunds-due', 'revenue:retained-anomalies')`,
    );
  }
}
