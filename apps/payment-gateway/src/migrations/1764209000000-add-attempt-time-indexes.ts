import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Indexes for the admin dashboard's per-minute series (payments started, succeeded), which read the last minutes
 * to a day of payment_attempts by time: without them each refresh would scan the whole table. The succeeded one
 * is partial: most rows that matter to it are few compared with all attempts.
 */
export class AddAttemptTimeIndexes1764209000000 implements MigrationInterface {
  name = 'AddAttemptTimeIndexes1764209000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE INDEX "ix_payment_attempts_created_at" ON "payment_attempts" ("created_at")`);
    await queryRunner.query(
      `CREATE INDEX "ix_payment_attempts_succeeded_at" ON "payment_attempts" ("succeeded_at") WHERE "succeeded_at" IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_payment_attempts_succeeded_at"`);
    await queryRunner.query(`DROP INDEX "ix_payment_attempts_created_at"`);
  }
}
