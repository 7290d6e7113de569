import { CreateMessagingTables1764201600000, InboxEventEntity, OutboxEventEntity } from '@shop/messaging';
import type { SchemaDefinition } from '@shop/persistence';

/** The tables this service owns, and the migrations that create them, oldest first. */
export const schema: SchemaDefinition = {
  entities: [OutboxEventEntity, InboxEventEntity],
  migrations: [CreateMessagingTables1764201600000],
};
