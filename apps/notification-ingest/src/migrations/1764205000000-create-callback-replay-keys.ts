import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * callback_replay_keys: the signed requests (WeChat Pay timestamp + nonce) seen within
 * the replay window, so a byte-exact replay of a callback is refused instead of acknowledged. Written in the
 * transaction that records the notification; rows older than the window are purged (the adapters refuse such old
 * timestamps anyway), so the table holds minutes of traffic. The index serves that purge.
 *
 * Also widens two provider_notifications columns that Stripe outgrows: trade_status holds the event type
 * (checkout.session.async_payment_succeeded is 40 characters) and order_no a client_reference_id (up to 200).
 * Widening a varchar rewrites neither the table nor its indexes.
 */
export class CreateCallbackReplayKeys1764205000000 implements MigrationInterface {
  name = 'CreateCallbackReplayKeys1764205000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE "callback_replay_keys" (
        "provider" varchar(20) NOT NULL,
        "replay_key" varchar(128) NOT NULL,
        "received_at" timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT "pk_callback_replay_keys" PRIMARY KEY ("provider", "replay_key")
      )`);
    await queryRunner.query(
      `CREATE INDEX "ix_callback_replay_keys_received_at" ON "callback_replay_keys" ("received_at")`,
    );
    await queryRunner.query(`ALTER TABLE "provider_notifications" ALTER COLUMN "trade_status" TYPE varchar(100)`);
    await queryRunner.query(`ALTER TABLE "provider_notifications" ALTER COLUMN "order_no" TYPE varchar(200)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    // Fails if a longer value was stored since: narrowing would cut it, which is for a person to decide.
    await queryRunner.query(`ALTER TABLE "provider_notifications" ALTER COLUMN "order_no" TYPE varchar(64)`);
    await queryRunner.query(`ALTER TABLE "provider_notifications" ALTER COLUMN "trade_status" TYPE varchar(32)`);
    await queryRunner.query(`DROP TABLE "callback_replay_keys"`);
  }
}
