import { type DynamicModule, Module } from '@nestjs/common';
import { ServiceConfig, SERVICE_NAME } from '@shop/runtime';
import { createLogger } from '@shop/runtime';
import { kafkaSettings } from './kafka-client';
import { KAFKA_SETTINGS, MESSAGING_LOGGER, MessagingService } from './messaging.service';

/** Kafka for one service: topics, producer, outbox relay, consumers, readiness. Needs a TypeORM DataSource. */
@Module({})
export class MessagingModule {
  static forRoot(): DynamicModule {
    return {
      module: MessagingModule,
      global: true,
      providers: [
        {
          provide: KAFKA_SETTINGS,
          inject: [ServiceConfig, SERVICE_NAME],
          useFactory: (config: ServiceConfig, service: string) => kafkaSettings(config, service),
        },
        {
          provide: MESSAGING_LOGGER,
          inject: [ServiceConfig, SERVICE_NAME],
          useFactory: (config: ServiceConfig, service: string) =>
            createLogger(service, config.LOG_LEVEL).child({ component: 'messaging' }),
        },
        MessagingService,
      ],
      exports: [MessagingService, KAFKA_SETTINGS],
    };
  }
}
