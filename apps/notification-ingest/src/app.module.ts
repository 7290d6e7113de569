import { type DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@shop/messaging';
import { PersistenceModule } from '@shop/persistence';
import { RuntimeModule } from '@shop/runtime';
import { alipayVerifierProvider } from './alipay/alipay-verifier.provider';
import { callbackChannelsProvider } from './callbacks/callback-channels.provider';
import { CallbackMetrics } from './callbacks/callback-metrics';
import { CallbackService } from './callbacks/callback.service';
import { CallbacksController } from './callbacks/callbacks.controller';
import { NotificationIngestConfig } from './notification-ingest.config';
import { NotificationRecorder } from './notifications/notification-recorder';
import { OrphanSweep } from './notifications/orphan-sweep';
import { ReplayKeys } from './notifications/replay-keys';
import { KnownOrdersService } from './orders/known-orders.service';
import { OrderEventsHandler } from './orders/order-events.handler';
import { schema } from './schema';
import { CallbackStats } from './stats/callback-stats';
import { StatsController } from './stats/stats.controller';
import { stripeVerifierProvider } from './stripe/stripe-verifier.provider';
import { unionpayVerifierProvider } from './unionpay/unionpay-verifier.provider';
import { wechatpayVerifierProvider } from './wechatpay/wechatpay-verifier.provider';

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
      controllers: [CallbacksController, OrderEventsHandler, StatsController],
      providers: [
        CallbackStats,
        CallbackMetrics,
        KnownOrdersService,
        NotificationRecorder,
        ReplayKeys,
        OrphanSweep,
        alipayVerifierProvider,
        wechatpayVerifierProvider,
        unionpayVerifierProvider,
        stripeVerifierProvider,
        callbackChannelsProvider,
        CallbackService,
      ],
    };
  }
}
