import { describeServiceBasics } from '@shop/testing';
import { schema } from './schema';
import { service } from './service';

describeServiceBasics(service, schema, ['idempotency_records', 'inbox_events', 'outbox_events'], {
  JWT_SECRET: 'basics-secret-0123456789abcdefghijklmn',
});
