import { Controller, type DynamicModule, Module } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { DataSource } from 'typeorm';
import { Topics } from '@shop/contracts';
import { PersistenceModule, prepareDatabase } from '@shop/persistence';
import { RuntimeModule, ServiceConfig, type ServiceDefinition } from '@shop/runtime';
import { eventually, startServiceForTest, type RunningService } from '@shop/testing';
import type { ConsumedEvent } from './consumer-runner';
import { CreateMessagingTables1764201600000 } from './create-messaging-tables.migration';
import { InboxEventEntity } from './inbox-event.entity';
import { connectEventHandlers } from './kafka-event.transport';
import { MessagingModule } from './messaging.module';
import { MessagingService } from './messaging.service';
import { addToOutbox } from './outbox';
import { OutboxEventEntity } from './outbox-event.entity';

const received: ConsumedEvent[] = [];

@Controller()
class OrderEventsHandler {
  @EventPattern(Topics.OrderCreated)
  onOrderCreated(@Payload() event: ConsumedEvent): void {
    received.push(event);
  }
}

const schema = { entities: [OutboxEventEntity, InboxEventEntity], migrations: [CreateMessagingTables1764201600000] };

@Module({})
class TransportTestModule {
  static forRoot(config: ServiceConfig): DynamicModule {
    return {
      module: TransportTestModule,
      imports: [
        RuntimeModule.forRoot({ service: 'transport-test', config }),
        PersistenceModule.forRoot('transport-test', schema),
        MessagingModule.forRoot(),
      ],
      controllers: [OrderEventsHandler],
    };
  }
}

const definition: ServiceDefinition<ServiceConfig> = {
  name: 'transport-test',
  configSchema: ServiceConfig,
  rootModule: (config) => TransportTestModule.forRoot(config),
  prepare: prepareDatabase(schema),
  configure: (app) => connectEventHandlers(app, 'transport-test'),
};

describe('@EventPattern handlers over the Kafka event transport', () => {
  let service: RunningService<ServiceConfig>;

  beforeAll(async () => {
    service = await startServiceForTest(definition);
  });

  afterAll(async () => {
    await service?.stop();
  });

  it('receives an event written to the outbox, as a validated envelope', async () => {
    const dataSource = service.app.get(DataSource);
    await dataSource.transaction((manager) =>
      addToOutbox(manager, 'test', {
        topic: Topics.OrderCreated,
        type: 'OrderCreated',
        version: 1,
        key: 'ORDER0001',
        payload: { orderNo: 'ORDER0001' },
      }),
    );
    service.app.get(MessagingService).nudgeRelay();
    const event = await eventually(async () => received[0], { message: 'OrderCreated handled' });
    expect(event.topic).toBe(Topics.OrderCreated);
    expect(event.envelope).toMatchObject({ type: 'OrderCreated', key: 'ORDER0001', payload: { orderNo: 'ORDER0001' } });
  });
});
