import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Closing attempts and the active query.
 *
 * Decisions:
 * - CLOSED is a new final status: PENDING -> CLOSED when the provider closed the trade (the order expired or was
 *   cancelled) or reports it closed. The forward-only trigger is replaced rather than relaxed elsewhere, so every
 *   other move stays refused whatever code runs.
 * - next_query_at / query_attempts schedule the active query in the table itself: a restart or a second replica
 *   continues where the last one stopped, and claiming a row is bumping next_query_at (exponential backoff).
 * - A partial index covers exactly what the sweep reads: PENDING attempts by their next query time.
 */
export class AddAttemptClosingAndQuery1764204100000 implements MigrationInterface {
  name = 'AddAttemptClosingAndQuery1764204100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "payment_attempts" DROP CONSTRAINT "ck_payment_attempts_status"`);
    await queryRunner.query(`
      ALTER TABLE "payment_attempts" ADD CONSTRAINT "ck_payment_attempts_status"
        CHECK ("status" IN ('PENDING', 'SUCCEEDED', 'FAILED', 'CLOSED'))`);
    await queryRunner.query(`
      ALTER TABLE "payment_attempts"
        ADD COLUMN "next_query_at" timestamptz,
        ADD COLUMN "query_attempts" integer NOT NULL DEFAULT 0,
        ADD COLUMN "closed_at" timestamptz,
        ADD CONSTRAINT "ck_payment_attempts_query_attempts" CHECK ("query_attempts" >= 0)`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION "payment_attempts_forward_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.status <> NEW.status
           AND NOT (OLD.status = 'PENDING' AND NEW.status IN ('SUCCEEDED', 'FAILED', 'CLOSED')) THEN
          RAISE EXCEPTION 'payment attempt % cannot move from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
        END IF;
        IF OLD.status = 'SUCCEEDED' AND NEW.provider_transaction_id IS DISTINCT FROM OLD.provider_transaction_id THEN
          RAISE EXCEPTION 'payment attempt % already succeeded with another transaction', OLD.id
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE INDEX "ix_payment_attempts_pending_query" ON "payment_attempts" ("next_query_at", "created_at")
        WHERE "status" = 'PENDING'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_payment_attempts_pending_query"`);
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION "payment_attempts_forward_only"() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.status <> NEW.status AND NOT (OLD.status = 'PENDING' AND NEW.status IN ('SUCCEEDED', 'FAILED')) THEN
          RAISE EXCEPTION 'payment attempt % cannot move from % to %', OLD.id, OLD.status, NEW.status
            USING ERRCODE = 'check_violation';
        END IF;
        IF OLD.status = 'SUCCEEDED' AND NEW.provider_transaction_id IS DISTINCT FROM OLD.provider_transaction_id THEN
          RAISE EXCEPTION 'payment attempt % already succeeded with another transaction', OLD.id
            USING ERRCODE = 'check_violation';
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      ALTER TABLE "payment_attempts" DROP CONSTRAINT "ck_payment_attempts_query_attempts",
        DROP COLUMN "closed_at", DROP COLUMN "query_attempts", DROP COLUMN "next_query_at"`);
    await queryRunner.query(`ALTER TABLE "payment_attempts" DROP CONSTRAINT "ck_payment_attempts_status"`);
    await queryRunner.query(`
      ALTER TABLE "payment_attempts" ADD CONSTRAINT "ck_payment_attempts_status"
        CHECK ("status" IN ('PENDING', 'SUCCEEDED', 'FAILED'))`);
  }
}
