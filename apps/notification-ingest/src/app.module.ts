import { type DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@shop/messaging';
import { PersistenceModule } from '@shop/persistence';
import { RuntimeModule } from '@shop/runtime';
import { NotificationIngestConfig } from './notification-ingest.config';
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
    };
  }
}
