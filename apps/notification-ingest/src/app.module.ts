import { type DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@shop/messaging';
import { PersistenceModule } from '@shop/persistence';
import { RuntimeModule } from '@shop/runtime';
import { AlipayCallbackController } from './alipay/alipay-callback.controller';
import { AlipayCallbackService } from './alipay/alipay-callback.service';
import { alipayVerifierProvider } from './alipay/alipay-verifier.provider';
import { CallbackMetrics } from './callbacks/callback-metrics';
import { NotificationIngestConfig } from './notification-ingest.config';
import { NotificationRecorder } from './notifications/notification-recorder';
import { OrphanSweep } from './notifications/orphan-sweep';
import { KnownOrdersService } from './orders/known-orders.service';
import { OrderEventsHandler } from './orders/order-events.handler';
import { schema } from './schema';

/** Root module of the notification-ingest: the providers' callback endpoints. */
@Module({})
export class AppModule {
  static forRoot(config: NotificationIngestConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRoot({ service: 'notification-ingest', config }),
        PersistenceModule.forRoot('notification-ingest', schema),
        MessagingModule.forRoot(),
      ],
      controllers: [AlipayCallbackController, OrderEventsHandler],
      providers: [
        CallbackMetrics,
        KnownOrdersService,
        NotificationRecorder,
        OrphanSweep,
        alipayVerifierProvider,
        AlipayCallbackService,
      ],
    };
  }
}
