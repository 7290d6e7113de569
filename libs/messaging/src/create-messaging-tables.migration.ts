import type { MigrationInterface, QueryRunner } from 'typeorm';

/** The outbox and inbox tables; every service that produces or consumes events includes this migration. */
export class CreateMessagingTables1764201600000 implements MigrationInterface {
  name = 'CreateMessagingTables1764201600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "outbox_events" (
        "id" bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        "event_id" uuid NOT NULL,
        "topic" varchar(200) NOT NULL,
        "message_key" varchar(200) NOT NULL,
        "envelope" jsonb NOT NULL,
        "created_at" timestamptz NOT NULL DEFAULT now(),
        "published_at" timestamptz
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX "uq_outbox_events_event_id" ON "outbox_events" ("event_id")`);
    // The relay only ever scans unpublished rows; a partial index keeps that scan small as history grows.
    await queryRunner.query(
      `CREATE INDEX "ix_outbox_events_unpublished" ON "outbox_events" ("id") WHERE "published_at" IS NULL`,
    );
    await queryRunner.query(`
      CREATE TABLE "inbox_events" (
        "consumer" varchar(100) NOT NULL,
        "event_id" uuid NOT NULL,
        "topic" varchar(200) NOT NULL,
        "processed_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_inbox_events" PRIMARY KEY ("consumer", "event_id")
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "inbox_events"`);
    await queryRunner.query(`DROP TABLE "outbox_events"`);
  }
}
