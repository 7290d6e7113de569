import { Body, Controller, Get, HttpCode, HttpStatus, NotFoundException, Param, Post } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { PROVIDER_NAMES, type ProviderName } from '@shop/contracts';
import { AppError } from '@shop/runtime';
import { ApiGatewayConfig } from '../api-gateway.config';
import { signToken, type Role } from '../auth/jwt';

/** POST /console/dev/tokens. */
export class DevTokenDto {
  @IsIn(['customer', 'admin'], { message: 'role must be customer or admin' })
  role!: Role;
}

/** What the console needs to know about this deployment before it draws anything. */
export interface ConsoleSettings {
  /** The development sign-in page may issue local tokens (never in production). */
  devSignIn: boolean;
  /** Providers played by local simulators: the checkout shows "simulate payment" for them. */
  simulators: ProviderName[];
}

const ORDER_NO = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The console's own routes beside its static files: its settings, and in development the helpers that stand in
 * for an identity provider (local tokens) and for the buyer's phone (paying at a provider simulator). They are
 * not part of the public API (no OpenAPI entry) and answer 404 in production.
 */
@ApiExcludeController()
@Controller('console')
export class ConsoleController {
  private readonly simulators: ReadonlyMap<ProviderName, string>;

  constructor(private readonly config: ApiGatewayConfig) {
    this.simulators = new Map(
      config.CONSOLE_SIMULATOR_URLS.split(',')
        .filter((pair) => pair !== '')
        .map((pair) => pair.split('=') as [ProviderName, string]),
    );
  }

  private get devSignIn(): boolean {
    return this.config.NODE_ENV !== 'production' && this.config.JWT_SECRET !== '';
  }

  @Get('settings.json')
  settings(): ConsoleSettings {
    return { devSignIn: this.devSignIn, simulators: PROVIDER_NAMES.filter((name) => this.simulators.has(name)) };
  }

  /** A local customer or admin token (1 hour), as `npm start` prints them. */
  @Post('dev/tokens')
  @HttpCode(HttpStatus.OK)
  token(@Body() body: DevTokenDto): { token: string; role: Role; subject: string } {
    if (!this.devSignIn) throw new NotFoundException({ code: 'NOT_FOUND', message: 'Cannot POST /console/dev/tokens' });
    const subject = `console-${body.role}`;
    return { token: signToken(this.config.JWT_SECRET, { sub: subject, roles: [body.role] }), role: body.role, subject };
  }

  /** Pays the order's pending trade at the provider's simulator, which then sends its signed notification. */
  @Post('dev/simulate/:provider/:orderNo')
  @HttpCode(HttpStatus.OK)
  async simulate(
    @Param('provider') provider: string,
    @Param('orderNo') orderNo: string,
  ): Promise<{ delivered: boolean; answer: string }> {
    const base = this.simulators.get(provider as ProviderName);
    if (base === undefined) {
      throw new NotFoundException({ code: 'NOT_FOUND', message: `No simulator plays ${provider} here` });
    }
    if (!ORDER_NO.test(orderNo)) throw new AppError('VALIDATION_FAILED', 'orderNo is not an order number');
    const collection = provider === 'stripe' ? 'sessions' : 'trades';
    let response: Response;
    try {
      response = await fetch(`${base}/_simulator/${provider}/${collection}/${encodeURIComponent(orderNo)}/pay`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
        signal: AbortSignal.timeout(10_000),
      });
    } catch {
      throw new AppError('SIMULATOR_UNAVAILABLE', `The ${provider} simulator does not answer`, HttpStatus.BAD_GATEWAY);
    }
    const text = await response.text();
    if (response.status === 404) {
      throw new AppError(
        'SIMULATOR_NO_TRADE',
        `The ${provider} simulator has no payment for ${orderNo} yet: start one (and open the provider's page for page payments) first`,
        HttpStatus.CONFLICT,
      );
    }
    if (!response.ok) {
      throw new AppError(
        'SIMULATOR_REFUSED',
        `The ${provider} simulator refused: ${text.slice(0, 200)}`,
        HttpStatus.CONFLICT,
      );
    }
    return { delivered: true, answer: text.slice(0, 500) };
  }
}
