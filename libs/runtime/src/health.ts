import { Controller, Get, HttpCode, HttpStatus, Injectable, Res, type BeforeApplicationShutdown } from '@nestjs/common';
import type { FastifyReply } from 'fastify';

/** A dependency that must answer for the service to take traffic (its database, Kafka). */
export interface HealthIndicator {
  readonly name: string;
  /** Resolves when healthy; rejects with a short reason otherwise. */
  check(): Promise<void>;
}

const CHECK_TIMEOUT_MS = 2000;

/** Collects the readiness checks that modules register, and turns not-ready while the service drains. */
@Injectable()
export class HealthRegistry implements BeforeApplicationShutdown {
  private readonly indicators: HealthIndicator[] = [];
  private draining = false;

  register(indicator: HealthIndicator): void {
    this.indicators.push(indicator);
  }

  // Readiness goes false first, so a load balancer stops sending before in-flight work finishes.
  beforeApplicationShutdown(): void {
    this.draining = true;
  }

  async readiness(): Promise<{ ready: boolean; checks: Record<string, string> }> {
    const checks: Record<string, string> = {};
    if (this.draining) checks['shutdown'] = 'draining';
    await Promise.all(
      this.indicators.map(async (indicator) => {
        let timer: NodeJS.Timeout | undefined;
        try {
          await Promise.race([
            indicator.check(),
            new Promise((_, reject) => {
              timer = setTimeout(() => reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`)), CHECK_TIMEOUT_MS);
            }),
          ]);
          checks[indicator.name] = 'up';
        } catch (error) {
          checks[indicator.name] = `down: ${error instanceof Error ? error.message : String(error)}`;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return { ready: Object.values(checks).every((v) => v === 'up'), checks };
  }
}

/** Liveness says the process answers; readiness says it can do its job (database and Kafka reachable). */
@Controller('health')
export class HealthController {
  constructor(private readonly registry: HealthRegistry) {}

  @Get('live')
  @HttpCode(HttpStatus.OK)
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  async ready(@Res() reply: FastifyReply): Promise<void> {
    const { ready, checks } = await this.registry.readiness();
    await reply.status(ready ? HttpStatus.OK : HttpStatus.SERVICE_UNAVAILABLE).send({
      status: ready ? 'ok' : 'unavailable',
      checks,
    });
  }
}
