import { ServiceConfig } from '@shop/runtime';

/** Configuration of the order-service, read from environment variables and validated at start. */
export class OrderServiceConfig extends ServiceConfig {
  override PORT = 3002;
  override DB_NAME = 'shop_order_service';
}
