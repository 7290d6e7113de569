import { type DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@shop/messaging';
import { PersistenceModule } from '@shop/persistence';
import { RuntimeModule } from '@shop/runtime';
import { CatalogService } from './catalog/catalog.service';
import { ProductsController } from './catalog/products.controller';
import { OrderExpiryMetrics } from './expiry/order-expiry.metrics';
import { OrderExpiryService } from './expiry/order-expiry.service';
import { OrderServiceConfig } from './order-service.config';
import { OrdersController } from './orders/orders.controller';
import { OrdersRepository } from './orders/orders.repository';
import { OrdersService } from './orders/orders.service';
import { OrderActionsService } from './orders/order-actions.service';
import { OrderPaymentsService } from './payments/order-payments.service';
import { PaymentEventsHandler } from './payments/payment-events.handler';
import { OrderRefundsService } from './refunds/order-refunds.service';
import { RefundEventsHandler } from './refunds/refund-events.handler';
import { schema } from './schema';

/** Root module of the order-service: catalog, orders and their state machine. */
@Module({})
export class AppModule {
  static forRoot(config: OrderServiceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRoot({ service: 'order-service', config }),
        PersistenceModule.forRoot('order-service', schema),
        MessagingModule.forRoot(),
      ],
      controllers: [ProductsController, OrdersController, PaymentEventsHandler, RefundEventsHandler],
      providers: [
        CatalogService,
        OrdersRepository,
        OrdersService,
        OrderActionsService,
        OrderPaymentsService,
        OrderRefundsService,
        OrderExpiryService,
        OrderExpiryMetrics,
      ],
    };
  }
}
