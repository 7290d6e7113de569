import { type DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { HealthController, HealthRegistry } from './health';
import { HttpExceptionFilter } from './http-exception.filter';
import { InternalAuthGuard } from './internal-auth.guard';
import { MetricsController, MetricsRegistry } from './metrics';
import { ServiceConfig } from './service-config';

/** Injection token for the service's name ("order-service", ...). */
export const SERVICE_NAME = Symbol('SERVICE_NAME');

/**
 * What every service has: its validated config (injectable by its own class and as ServiceConfig), health and
 * metrics endpoints, the JSON error format, and the service token on /internal routes.
 */
@Global()
@Module({})
export class RuntimeModule {
  static forRoot(options: { service: string; config: ServiceConfig }): DynamicModule {
    const configClass = options.config.constructor as typeof ServiceConfig;
    const configProviders =
      configClass === ServiceConfig
        ? [{ provide: ServiceConfig, useValue: options.config }]
        : [
            { provide: configClass, useValue: options.config },
            { provide: ServiceConfig, useValue: options.config },
          ];
    return {
      module: RuntimeModule,
      controllers: [HealthController, MetricsController],
      providers: [
        { provide: SERVICE_NAME, useValue: options.service },
        ...configProviders,
        HealthRegistry,
        MetricsRegistry,
        { provide: APP_FILTER, useClass: HttpExceptionFilter },
        // Global: every /internal route of every service, whatever module declares it.
        { provide: APP_GUARD, useClass: InternalAuthGuard },
      ],
      exports: [SERVICE_NAME, ...configProviders.map((p) => p.provide), HealthRegistry, MetricsRegistry],
    };
  }
}
