import { describeServiceBasics } from '@shop/testing';
import { schema } from './schema';
import { service } from './service';

describeServiceBasics(service, schema, [
  'accounts',
  'inbox_events',
  'journal_entries',
  'journal_transactions',
  'outbox_events',
  'payment_log',
  'payment_log_head',
  'payment_log_pending',
]);
