import { describeServiceBasics } from '@shop/testing';
import { PaymentGatewayConfig } from './payment-gateway.config';
import { schema } from './schema';
import { service } from './service';

// CALLBACK_BASE_URL has no default (a wrong callback URL would lose notifications silently); the shared basics
// spec boots services without extra variables, so it gets a config whose default supplies one.
class BasicsConfig extends PaymentGatewayConfig {
  override CALLBACK_BASE_URL = 'https://pay.example.test';
}

describeServiceBasics({ ...service, configSchema: BasicsConfig }, schema, [
  'inbox_events',
  'outbox_events',
  'payment_anomalies',
  'payment_attempts',
  'provider_request_log',
  'captured_payments',
  'refunds',
  'payment_log',
  'payment_log_head',
  'payment_log_pending',
]);
