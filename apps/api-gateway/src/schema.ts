import { CreateMessagingTables1764201600000, InboxEventEntity, OutboxEventEntity } from '@shop/messaging';
import type { SchemaDefinition } from '@shop/persistence';
import { IdempotencyRecordEntity } from './idempotency/idempotency-record.entity';
import { CreateIdempotencyRecords1764201700000 } from './migrations/1764201700000-create-idempotency-records';

/** The tables this service owns, and the migrations that create them, oldest first. */
export const schema: SchemaDefinition = {
  entities: [OutboxEventEntity, InboxEventEntity, IdempotencyRecordEntity],
  migrations: [CreateMessagingTables1764201600000, CreateIdempotencyRecords1764201700000],
};
