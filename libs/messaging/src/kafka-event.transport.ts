import type { INestApplication } from '@nestjs/common';
import { BaseRpcContext, type CustomTransportStrategy, Server } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { ConsumedEvent, ConsumerRunner, EventHandler } from './consumer-runner';
import { MessagingService } from './messaging.service';

/**
 * Extras of an @EventPattern whose handler may share one database transaction with the other events of its
 * fetched batch: `@EventPattern(Topics.X, SHARED_TRANSACTION)`. Only for handlers that reach the database solely
 * through inTransaction (@shop/persistence) and defer their after-effects with afterCommit.
 */
export const SHARED_TRANSACTION = { sharedTransaction: true } as const;

/** What an @EventPattern handler gets as its context: where the event came from. */
export class KafkaEventContext extends BaseRpcContext<[ConsumedEvent]> {
  getEvent(): ConsumedEvent {
    return this.args[0];
  }
}

/**
 * A Nest microservice transport over our consumer runner: handlers are declared the Nest way, with
 * `@EventPattern(Topics.X)` on a controller method receiving the ConsumedEvent as `@Payload()`, while delivery
 * keeps our rules (offset committed after the handler's transaction, transient failures retried until they
 * succeed, others dead-lettered).
 * Nest's own ServerKafka commits before errors are known and retries forever, which is why it is not used.
 */
export class KafkaEventTransport extends Server implements CustomTransportStrategy {
  private runner?: ConsumerRunner;

  constructor(
    private readonly messaging: MessagingService,
    private readonly groupId: string,
  ) {
    super();
  }

  listen(callback: (error?: unknown) => void): void {
    const handlers: Record<string, EventHandler> = {};
    const sharedTopics: string[] = [];
    for (const [pattern, handler] of this.getHandlers()) {
      if (!handler.isEventHandler) continue;
      if (handler.extras?.sharedTransaction === true) sharedTopics.push(pattern);
      handlers[pattern] = async (event) => {
        // The handler's result may be a stream that errors; awaiting it turns that into a thrown error.
        const result: unknown = await handler(event, new KafkaEventContext([event]));
        await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined });
      };
    }
    if (Object.keys(handlers).length === 0) {
      callback();
      return;
    }
    this.messaging
      .startConsumer({
        groupId: this.groupId,
        handlers,
        sharedTransaction: sharedTopics.length > 0 ? this.messaging.sharedTransaction(sharedTopics) : undefined,
      })
      .then((runner) => {
        this.runner = runner;
        callback();
      })
      .catch((error: unknown) => callback(error));
  }

  async close(): Promise<void> {
    await this.runner?.stop();
  }

  on(): never {
    throw new Error('KafkaEventTransport emits no events');
  }

  unwrap<T>(): T {
    return this.runner as T;
  }
}

/** Connects the app's @EventPattern handlers to Kafka as one consumer group (by convention the service name). */
export function connectEventHandlers(app: INestApplication, groupId: string): void {
  app.connectMicroservice(
    { strategy: new KafkaEventTransport(app.get(MessagingService), groupId) },
    { inheritAppConfig: true },
  );
}
