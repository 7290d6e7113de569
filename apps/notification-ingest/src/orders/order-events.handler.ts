import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { OrderCreatedV1, Topics, parsePayload } from '@shop/contracts';
import { SHARED_TRANSACTION, type ConsumedEvent } from '@shop/messaging';
import { KnownOrdersService } from './known-orders.service';

/** Keeps the known_orders projection: validate the OrderCreated payload, record it, nothing else. */
@Controller()
export class OrderEventsHandler {
  private readonly logger = new Logger(OrderEventsHandler.name);

  constructor(private readonly knownOrders: KnownOrdersService) {}

  @EventPattern(Topics.OrderCreated, SHARED_TRANSACTION)
  async onOrderCreated(@Payload() event: ConsumedEvent): Promise<void> {
    // A payload that breaks the contract throws ContractViolationError: dead-lettered at once, not retried.
    const order = parsePayload(OrderCreatedV1, event.envelope.payload);
    const result = await this.knownOrders.recordOrderCreated(
      event.envelope.eventId,
      order,
      new Date(event.envelope.occurredAt),
    );
    if (result === 'duplicate') this.logger.debug(`event ${event.envelope.eventId} already applied; skipped`);
  }
}
