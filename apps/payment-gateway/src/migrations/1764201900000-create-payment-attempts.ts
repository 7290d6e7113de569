import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Payment attempts and the provider request log.
 *
 * Decisions:
 * - An attempt is inserted (PENDING) before the provider is called and committed on its own, so a crash or a
 *   timeout mid-call still leaves a record to reconcile.
 * - Status moves only forward (PENDING -> SUCCEEDED | FAILED), enforced by a trigger as well as by the
 *   conditional updates in code: a replayed or late event cannot undo a success, whatever code runs.
 * - A provider transaction id belongs to at most one attempt per provider (partial unique index): one payment
 *   at the provider is one success here.
 * - created_at uses clock_timestamp() rather than now(), so attempts created in one transaction still sort in
 *   the order they were made.
 */
export class CreatePaymentAttempts1764201900000 implements MigrationInterface {
  name = 'CreatePaymentAttempts1764201900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "payment_attempts" (
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "order_no" varchar(32) NOT NULL,
        "provider" varchar(20) NOT NULL,
        "method" varchar(10) NOT NULL,
        "status" varchar(10) NOT NULL DEFAULT 'PENDING',
        "amount" bigint NOT NULL,
        "currency" char(3) NOT NULL,
        "subject" varchar(256) NOT NULL,
        "provider_transaction_id" varchar(128),
        "failure_code" varchar(64),
        "created_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        "updated_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        "succeeded_at" timestamptz,
        CONSTRAINT "pk_payment_attempts" PRIMARY KEY ("id"),
        CONSTRAINT "ck_payment_attempts_status" CHECK ("status" IN ('PENDING', 'SUCCEEDED', 'FAILED')),
        CONSTRAINT "ck_payment_attempts_amount" CHECK ("amount" > 0),
        CONSTRAINT "ck_payment_attempts_currency" CHECK ("currency" ~ '^[A-Z]{3}$'),
        CONSTRAINT "ck_payment_attempts_succeeded" CHECK (
          "status" <> 'SUCCEEDED' OR ("provider_transaction_id" IS NOT NULL AND "succeeded_at" IS NOT NULL)
        )
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_payment_attempts_order_no" ON "payment_attempts" ("order_no", "created_at")`,
    );
    await queryRunner.query(`
      CREATE UNIQUE INDEX "uq_payment_attempts_provider_transaction" ON "payment_attempts"
        ("provider", "provider_transaction_id") WHERE "provider_transaction_id" IS NOT NULL`);
    await queryRunner.query(`
      CREATE FUNCTION "payment_attempts_forward_only"() RETURNS trigger LANGUAGE plpgsql AS $$
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
      CREATE TRIGGER "payment_attempts_forward_only" BEFORE UPDATE ON "payment_attempts"
      FOR EACH ROW EXECUTE FUNCTION "payment_attempts_forward_only"()`);

    await queryRunner.query(`
      CREATE TABLE "provider_request_log" (
        "id" bigint GENERATED ALWAYS AS IDENTITY,
        "provider" varchar(20) NOT NULL,
        "operation" varchar(50) NOT NULL,
        "order_no" varchar(32) NOT NULL,
        "payment_id" uuid,
        "status" varchar(10) NOT NULL,
        "duration_ms" integer NOT NULL,
        "error_code" varchar(64),
        "error_message" varchar(500),
        "created_at" timestamptz NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT "pk_provider_request_log" PRIMARY KEY ("id"),
        CONSTRAINT "fk_provider_request_log_payment" FOREIGN KEY ("payment_id") REFERENCES "payment_attempts" ("id"),
        CONSTRAINT "ck_provider_request_log_status" CHECK ("status" IN ('OK', 'ERROR')),
        CONSTRAINT "ck_provider_request_log_duration" CHECK ("duration_ms" >= 0)
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_provider_request_log_payment_id" ON "provider_request_log" ("payment_id")`,
    );
    await queryRunner.query(
      `CREATE INDEX "ix_provider_request_log_order_no" ON "provider_request_log" ("order_no", "created_at")`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "provider_request_log"`);
    await queryRunner.query(`DROP TABLE "payment_attempts"`);
    await queryRunner.query(`DROP FUNCTION "payment_attempts_forward_only"()`);
  }
}
