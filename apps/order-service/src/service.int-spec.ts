import { describeServiceBasics } from '@shop/testing';
import { schema } from './schema';
import { service } from './service';

describeServiceBasics(service, schema, [
  'inbox_events',
  'order_lines',
  'order_timeline',
  'order_shipments',
  'orders',
  'outbox_events',
  'products',
]);
