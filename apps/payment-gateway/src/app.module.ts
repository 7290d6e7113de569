import { type DynamicModule, Module } from '@nestjs/common';
import { MessagingModule } from '@shop/messaging';
import { PersistenceModule } from '@shop/persistence';
import { RuntimeModule } from '@shop/runtime';
import { PaymentGatewayConfig } from './payment-gateway.config';
import { schema } from './schema';

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
      ],
    };
  }
}
