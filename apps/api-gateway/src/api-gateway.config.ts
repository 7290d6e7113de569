import { IsUrl } from 'class-validator';
import { ServiceConfig } from '@shop/runtime';

const INTERNAL_URL = { require_tld: false, protocols: ['http', 'https'], require_protocol: true };

/** Configuration of the api-gateway, read from environment variables and validated at start. */
export class ApiGatewayConfig extends ServiceConfig {
  override PORT = 3000;
  override DB_NAME = 'shop_api_gateway';

  @IsUrl(INTERNAL_URL)
  ORDER_SERVICE_URL = 'http://127.0.0.1:3002';

  @IsUrl(INTERNAL_URL)
  PAYMENT_GATEWAY_URL = 'http://127.0.0.1:3003';

  @IsUrl(INTERNAL_URL)
  LEDGER_SERVICE_URL = 'http://127.0.0.1:3004';
}
