import { type DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@shop/messaging';
import { PersistenceModule } from '@shop/persistence';
import { RuntimeModule } from '@shop/runtime';
import { OrderServiceConfig } from './order-service.config';
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
    };
  }
}
