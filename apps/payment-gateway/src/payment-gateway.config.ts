import { ServiceConfig } from '@shop/runtime';

/** Configuration of the payment-gateway, read from environment variables and validated at start. */
export class PaymentGatewayConfig extends ServiceConfig {
  override PORT = 3003;
  override DB_NAME = 'shop_payment_gateway';
}
