import { ServiceConfig } from '@shop/runtime';

/** Configuration of the notification-ingest, read from environment variables and validated at start. */
export class NotificationIngestConfig extends ServiceConfig {
  override PORT = 3001;
  override DB_NAME = 'shop_notification_ingest';
}
