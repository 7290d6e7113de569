import { describeServiceBasics } from '@shop/testing';
import { schema } from './schema';
import { service } from './service';

// The gateway uses a database (its idempotency store) and no Kafka: readiness checks exactly the database, and a
// broker that does not answer (KAFKA_BROKERS pointing nowhere) changes nothing. The outbox and inbox tables stay
// from its first migration (migrations are never edited), unused.
describeServiceBasics(
  service,
  schema,
  ['idempotency_records', 'inbox_events', 'outbox_events'],
  { JWT_SECRET: 'basics-secret-0123456789abcdefghijklmn', KAFKA_BROKERS: '127.0.0.1:1' },
  ['database'],
);
