import {
  IsNotEmpty,
  IsString,
  IsUrl,
  Matches,
  MinLength,
  registerDecorator,
  ValidateIf,
  type ValidationArguments,
  type ValidationOptions,
} from 'class-validator';
import { ServiceConfig } from '@shop/runtime';

/** An http:// value is refused when NODE_ENV=production (keys fetched in clear could be swapped). */
function HttpsInProduction(options: ValidationOptions): PropertyDecorator {
  return (target, propertyKey) =>
    registerDecorator({
      name: 'httpsInProduction',
      target: target.constructor,
      propertyName: String(propertyKey),
      options,
      validator: {
        validate: (value: unknown, args: ValidationArguments) =>
          (args.object as { NODE_ENV?: string }).NODE_ENV !== 'production' ||
          (typeof value === 'string' && value.startsWith('https://')),
      },
    });
}

/** The (set) value is refused when NODE_ENV=production: development helpers must never run there. */
function NotInProduction(options: ValidationOptions): PropertyDecorator {
  return (target, propertyKey) =>
    registerDecorator({
      name: 'notInProduction',
      target: target.constructor,
      propertyName: String(propertyKey),
      options,
      validator: {
        validate: (_value: unknown, args: ValidationArguments) =>
          (args.object as { NODE_ENV?: string }).NODE_ENV !== 'production',
      },
    });
}

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

  /** Its internal routes only (the dashboard's callback counts); providers reach it through CALLBACK_BASE_URL. */
  @IsUrl(INTERNAL_URL)
  NOTIFICATION_INGEST_URL = 'http://127.0.0.1:3001';

  /**
   * HS256 key of the bearer tokens. Outside development it must be set and long enough to resist guessing;
   * in development an empty value is allowed (`npm start` always provides one and prints tokens signed with it).
   */
  @ValidateIf((c: ApiGatewayConfig) => (c.NODE_ENV !== 'development' && c.JWT_JWKS_URL === '') || c.JWT_SECRET !== '')
  @IsString()
  @MinLength(32, {
    message: 'JWT_SECRET must be at least 32 characters (and set outside development unless JWT_JWKS_URL is)',
  })
  JWT_SECRET = '';

  /**
   * The operator's OpenID Connect identity provider: tokens it signs (RS256/ES256, keys from its JWKS) are
   * accepted when their iss and aud match. All three or none; see docs/console.md.
   */
  @ValidateIf((c: ApiGatewayConfig) => c.JWT_JWKS_URL !== '' || c.JWT_ISSUER !== '' || c.JWT_AUDIENCE !== '')
  @IsUrl(
    { require_tld: false, protocols: ['https', 'http'], require_protocol: true },
    { message: 'JWT_JWKS_URL must be the identity provider’s JWKS URL (with JWT_ISSUER and JWT_AUDIENCE)' },
  )
  @HttpsInProduction({ message: 'JWT_JWKS_URL must be https when NODE_ENV=production' })
  JWT_JWKS_URL = '';

  @ValidateIf((c: ApiGatewayConfig) => c.JWT_JWKS_URL !== '' || c.JWT_ISSUER !== '' || c.JWT_AUDIENCE !== '')
  @IsNotEmpty({ message: 'JWT_ISSUER is required with JWT_JWKS_URL (the iss of the provider’s tokens)' })
  JWT_ISSUER = '';

  @ValidateIf((c: ApiGatewayConfig) => c.JWT_JWKS_URL !== '' || c.JWT_ISSUER !== '' || c.JWT_AUDIENCE !== '')
  @IsNotEmpty({ message: 'JWT_AUDIENCE is required with JWT_JWKS_URL (the aud the provider issues for this API)' })
  JWT_AUDIENCE = '';

  /** Where a provider's token lists its roles: a claim name or a dotted path (Keycloak: realm_access.roles). */
  @Matches(/^[A-Za-z0-9_:-]+(\.[A-Za-z0-9_:-]+)*$/, { message: 'JWT_ROLES_CLAIM must be a claim name or dotted path' })
  JWT_ROLES_CLAIM = 'roles';

  /**
   * Development only: the local provider simulators the console's "simulate payment" button drives, as
   * `provider=url` pairs (`npm start` sets it). Refused in production, where no request may play a provider.
   */
  @ValidateIf((c: ApiGatewayConfig) => c.CONSOLE_SIMULATOR_URLS !== '')
  @NotInProduction({ message: 'CONSOLE_SIMULATOR_URLS must not be set when NODE_ENV=production' })
  @Matches(
    /^(alipay|wechatpay|unionpay|stripe)=http:\/\/(127\.0\.0\.1|localhost):\d{1,5}(,(alipay|wechatpay|unionpay|stripe)=http:\/\/(127\.0\.0\.1|localhost):\d{1,5})*$/,
    {
      message: 'CONSOLE_SIMULATOR_URLS must be provider=http://127.0.0.1:<port> pairs, comma-separated',
    },
  )
  CONSOLE_SIMULATOR_URLS = '';
}
