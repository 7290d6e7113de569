import { IsString, IsUrl, MinLength, ValidateIf } from 'class-validator';
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

  /**
   * HS256 key of the bearer tokens. Outside development it must be set and long enough to resist guessing;
   * in development an empty value is allowed (`npm start` always provides one and prints tokens signed with it).
   */
  @ValidateIf((c: ApiGatewayConfig) => c.NODE_ENV !== 'development' || c.JWT_SECRET !== '')
  @IsString()
  @MinLength(32, { message: 'JWT_SECRET must be at least 32 characters (and set outside development)' })
  JWT_SECRET = '';
}
