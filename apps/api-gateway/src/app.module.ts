import { type DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@shop/messaging';
import { PersistenceModule } from '@shop/persistence';
import { RuntimeModule } from '@shop/runtime';
import { ApiGatewayConfig } from './api-gateway.config';
import { schema } from './schema';

/** Root module of the api-gateway: the public HTTP API for customers and admins. */
@Module({})
export class AppModule {
  static forRoot(config: ApiGatewayConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRoot({ service: 'api-gateway', config }),
        PersistenceModule.forRoot('api-gateway', schema),
        MessagingModule.forRoot(),
      ],
    };
  }
}
