import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { RefundFailedV1, RefundSucceededV1, Topics, parsePayload } from '@shop/contracts';
import type { ConsumedEvent } from '@shop/messaging';
import { OrderRefundsService } from './order-refunds.service';

/** Applies refund outcomes to orders: validate the payload, call one service method, log the outcome. */
@Controller()
export class RefundEventsHandler {
  private readonly logger = new Logger(RefundEventsHandler.name);

  constructor(private readonly refunds: OrderRefundsService) {}

  @EventPattern(Topics.RefundSucceeded)
  async onRefundSucceeded(@Payload() event: ConsumedEvent): Promise<void> {
    const refund = parsePayload(RefundSucceededV1, event.envelope.payload);
    const outcome = await this.refunds.applySucceeded(event.envelope.eventId, refund);
    this.logger.log({ eventId: event.envelope.eventId, orderNo: refund.orderNo, outcome, msg: 'refund succeeded' });
  }

  @EventPattern(Topics.RefundFailed)
  async onRefundFailed(@Payload() event: ConsumedEvent): Promise<void> {
    const refund = parsePayload(RefundFailedV1, event.envelope.payload);
    const outcome = await this.refunds.applyFailed(event.envelope.eventId, refund);
    this.logger.warn({ eventId: event.envelope.eventId, orderNo: refund.orderNo, outcome, msg: 'refund failed' });
  }
}
