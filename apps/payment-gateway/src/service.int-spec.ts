import { describeServiceBasics } from '@shop/testing';
import { schema } from './schema';
import { service } from './service';

describeServiceBasics(service, schema, ['inbox_events', 'outbox_events']);
