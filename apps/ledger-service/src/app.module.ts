import { type DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MessagingModule } from '@shop/messaging';
import { PersistenceModule } from '@shop/persistence';
import { RuntimeModule } from '@shop/runtime';
import { LedgerService } from './journal/ledger.service';
import { OrderLedgerController } from './journal/order-ledger.controller';
import { LedgerServiceConfig } from './ledger-service.config';
import { PaymentEventsHandler } from './payments/payment-events.handler';
import { journalEntities, schema } from './schema';

/** Root module of the ledger-service: the double-entry journal of every money movement. */
@Module({})
export class AppModule {
  static forRoot(config: LedgerServiceConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [
        RuntimeModule.forRoot({ service: 'ledger-service', config }),
        PersistenceModule.forRoot('ledger-service', schema),
        MessagingModule.forRoot(),
        TypeOrmModule.forFeature(journalEntities),
      ],
      controllers: [OrderLedgerController, PaymentEventsHandler],
      providers: [LedgerService],
    };
  }
}
