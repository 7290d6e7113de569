import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { OrderCancelledV1, Topics, parsePayload } from '@shop/contracts';
import type { ConsumedEvent } from '@shop/messaging';
import { AttemptClosingService } from './attempt-closing.service';

/** Order events from Kafka: validate the payload (a violation is dead-lettered at once), apply it, nothing else. */
@Controller()
export class OrderEventsHandler {
  constructor(private readonly closing: AttemptClosingService) {}

  @EventPattern(Topics.OrderCancelled)
  async onOrderCancelled(@Payload() event: ConsumedEvent): Promise<void> {
    await this.closing.closeForCancelledOrder(
      event.envelope.eventId,
      parsePayload(OrderCancelledV1, event.envelope.payload),
    );
  }
}
