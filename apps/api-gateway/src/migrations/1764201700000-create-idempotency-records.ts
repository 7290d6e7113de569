import type { MigrationInterface, QueryRunner } from 'typeorm';

/** Stores first answers to idempotent POSTs, per caller and key. */
export class CreateIdempotencyRecords1764201700000 implements MigrationInterface {
  name = 'CreateIdempotencyRecords1764201700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "idempotency_records" (
        "caller_id" varchar(128) NOT NULL,
        "idempotency_key" varchar(255) NOT NULL,
        "request_hash" char(64) NOT NULL,
        "status_code" smallint,
        "response_body" jsonb,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "expires_at" timestamptz NOT NULL,
        CONSTRAINT "pk_idempotency_records" PRIMARY KEY ("caller_id", "idempotency_key")
      )`);
    // Expired records are purged in bulk; this index keeps that cheap.
    await queryRunner.query(`CREATE INDEX "ix_idempotency_records_expires_at" ON "idempotency_records" ("expires_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "idempotency_records"`);
  }
}
