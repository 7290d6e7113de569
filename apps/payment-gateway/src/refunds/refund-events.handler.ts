import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { RefundNotifiedV1, Topics, parsePayload } from '@shop/contracts';
import type { ConsumedEvent } from '@shop/messaging';
import { RefundsService } from './refunds.service';

/** Refund notifications from Kafka: validate the payload, settle the named refund, log what happened. */
@Controller()
export class RefundEventsHandler {
  private readonly logger = new Logger(RefundEventsHandler.name);

  constructor(private readonly refunds: RefundsService) {}

  @EventPattern(Topics.RefundNotified)
  async onRefundNotified(@Payload() event: ConsumedEvent): Promise<void> {
    const notified = parsePayload(RefundNotifiedV1, event.envelope.payload);
    const status = await this.refunds.settleNotified(event.envelope.eventId, notified);
    this.logger.log({ eventId: event.envelope.eventId, refundNo: notified.refundNo, status, msg: 'refund notified' });
  }
}
