import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * When an orphan payment was reported as an ORPHAN_PAYMENT anomaly (null: not yet). The orphan sweep reports a
 * payment orphan once it has stayed an orphan past the grace period, and sets this in the same transaction as
 * the outbox row, so it is reported once across sweeps and replicas. The partial index holds exactly the rows
 * the sweep looks for, so it stays small however many notifications there are.
 */
export class AddOrphanAnomalyReported1764203000000 implements MigrationInterface {
  name = 'AddOrphanAnomalyReported1764203000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "provider_notifications" ADD COLUMN "anomaly_reported_at" timestamptz`);
    await queryRunner.query(`
      CREATE INDEX "ix_provider_notifications_unreported_orphans" ON "provider_notifications" ("received_at")
      WHERE "classification" = 'orphan' AND "kind" = 'payment-succeeded' AND "anomaly_reported_at" IS NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "ix_provider_notifications_unreported_orphans"`);
    await queryRunner.query(`ALTER TABLE "provider_notifications" DROP COLUMN "anomaly_reported_at"`);
  }
}
