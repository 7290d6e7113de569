import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * provider_notifications.trace_parent: the W3C traceparent of the callback that delivered the notification. An
 * orphan's PaymentSucceeded is written later, when its OrderCreated arrives (KnownOrdersService.adoptOrphans), in
 * that event's work: without the stored traceparent the payment would leave the callback's trace there. Nullable
 * with no default: adding it rewrites nothing.
 */
export class AddNotificationTraceParent1764209100000 implements MigrationInterface {
  name = 'AddNotificationTraceParent1764209100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "provider_notifications" ADD COLUMN "trace_parent" varchar(55)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "provider_notifications" DROP COLUMN "trace_parent"`);
  }
}
