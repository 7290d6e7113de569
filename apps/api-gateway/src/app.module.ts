import { type DynamicModule, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { PersistenceModule } from '@shop/persistence';
import { RuntimeModule } from '@shop/runtime';
import { AdminAnomaliesController } from './admin/admin-anomalies.controller';
import { AdminOrdersController } from './admin/admin-orders.controller';
import { AdminStatsController } from './admin/admin-stats.controller';
import { ApiGatewayConfig } from './api-gateway.config';
import { AuthGuard } from './auth/auth.guard';
import { CatalogController } from './catalog/catalog.controller';
import { ConsoleController } from './console/console.controller';
import { PaymentProvidersController } from './catalog/payment-providers.controller';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { IdempotencyStore } from './idempotency/idempotency.store';
import { OrdersController } from './orders/orders.controller';
import { OrdersService } from './orders/orders.service';
import { schema } from './schema';
import { UpstreamClient } from './upstream/upstream.client';

/** Root module of the api-gateway: the public HTTP API for customers and admins. */
@Module({})
export class AppModule {
  static forRoot(config: ApiGatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRoot({ service: 'api-gateway', config }),
        // A database for the idempotency store; no Kafka: the gateway calls the services over HTTP.
        PersistenceModule.forRoot('api-gateway', schema),
      ],
      controllers: [
        CatalogController,
        PaymentProvidersController,
        ConsoleController,
        OrdersController,
        AdminOrdersController,
        AdminAnomaliesController,
        AdminStatsController,
      ],
      providers: [
        AuthGuard,
        UpstreamClient,
        OrdersService,
        IdempotencyStore,
        { provide: APP_INTERCEPTOR, useClass: IdempotencyInterceptor },
      ],
    };
  }
}
