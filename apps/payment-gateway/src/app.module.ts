import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagingModule } from '@shop/messaging';
import { PersistenceModule } from '@shop/persistence';
import { RuntimeModule } from '@shop/runtime';
import { AnomaliesController } from './anomalies/anomalies.controller';
import { AnomaliesService } from './anomalies/anomalies.service';
import { AnomalyEventsHandler } from './anomalies/anomaly-events.handler';
import { PaymentGatewayConfig } from './payment-gateway.config';
import { PaymentEventsHandler } from './payments/payment-events.handler';
import { PaymentsController } from './payments/payments.controller';
import { PaymentsService } from './payments/payments.service';
import { PaymentMetrics } from './payments/payment-metrics';
import { ProviderRequestLog } from './payments/provider-request-log';
import { ProviderRegistry, createProviderRegistry } from './providers/provider-registry';
import { ProvidersController } from './providers/providers.controller';
import { PaymentStatsController } from './stats/payment-stats.controller';
import { AttemptClosingService } from './query/attempt-closing.service';
import { OrderEventsHandler } from './query/order-events.handler';
import { PaymentQueryService } from './query/payment-query.service';
import { RefundEventsHandler } from './refunds/refund-events.handler';
import { RefundMetrics } from './refunds/refund-metrics';
import { RefundSweepService } from './refunds/refund-sweep.service';
import { RefundsController } from './refunds/refunds.controller';
import { RefundsService } from './refunds/refunds.service';
import { paymentEntities, schema } from './schema';

/** Root module of the payment-gateway: signed requests to the payment providers. */
@Module({})
export class AppModule {
  static forRoot(config: PaymentGatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRoot({ service: 'payment-gateway', config }),
        PersistenceModule.forRoot('payment-gateway', schema),
        MessagingModule.forRoot(),
        TypeOrmModule.forFeature(paymentEntities),
      ],
      controllers: [
        PaymentsController,
        PaymentEventsHandler,
        AnomaliesController,
        AnomalyEventsHandler,
        OrderEventsHandler,
        RefundsController,
        RefundEventsHandler,
        ProvidersController,
        PaymentStatsController,
      ],
      providers: [
        // Built once at start: clients parse their keys here, so a broken key never waits for the first payment.
        { provide: ProviderRegistry, useFactory: () => createProviderRegistry(config) },
        PaymentsService,
        AnomaliesService,
        ProviderRequestLog,
        PaymentMetrics,
        AttemptClosingService,
        // Under its own class too: a test may pass a subclass, which RuntimeModule registers under that subclass.
        { provide: PaymentGatewayConfig, useValue: config },
        PaymentQueryService,
        RefundsService,
        RefundSweepService,
        RefundMetrics,
      ],
    };
  }
}
