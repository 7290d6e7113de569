import { describeServiceBasics } from '@shop/testing';
import { schema } from './schema';
import { service } from './service';

describeServiceBasics(service, schema, [
  'callback_outcome_counts',
  'callback_replay_keys',
  'inbox_events',
  'known_orders',
  'outbox_events',
  'provider_notifications',
  'payment_log',
  'payment_log_head',
  'payment_log_pending',
]);
