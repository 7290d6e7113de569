import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * callback_outcome_counts: callbacks per minute, provider and outcome, for the admin dashboard. Every callback
 * counts, refused ones too (those leave no other row), so the counts are kept in memory and added here in one
 * upsert every few seconds instead of a write per callback: a flood of forged callbacks costs no extra writes.
 */
export class CreateCallbackOutcomeCounts1764209000000 implements MigrationInterface {
  name = 'CreateCallbackOutcomeCounts1764209000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "callback_outcome_counts" (
        "minute" timestamptz NOT NULL,
        "provider" varchar(20) NOT NULL,
        "outcome" varchar(32) NOT NULL,
        "count" integer NOT NULL,
        CONSTRAINT "pk_callback_outcome_counts" PRIMARY KEY ("minute", "provider", "outcome"),
        CONSTRAINT "ck_callback_outcome_counts_count" CHECK ("count" > 0)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "callback_outcome_counts"`);
  }
}
