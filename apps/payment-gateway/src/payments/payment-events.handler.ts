import { Controller } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { PaymentSucceededV1, Topics, parsePayload } from '@shop/contracts';
import { SHARED_TRANSACTION, type ConsumedEvent } from '@shop/messaging';
import { PaymentsService } from './payments.service';

/** Payment events from Kafka: validate the payload (a violation is dead-lettered at once), apply it, nothing else. */
@Controller()
export class PaymentEventsHandler {
  constructor(private readonly payments: PaymentsService) {}

  @EventPattern(Topics.PaymentSucceeded, SHARED_TRANSACTION)
  async onPaymentSucceeded(@Payload() event: ConsumedEvent): Promise<void> {
    await this.payments.markSucceeded(event.envelope.eventId, parsePayload(PaymentSucceededV1, event.envelope.payload));
  }
}
