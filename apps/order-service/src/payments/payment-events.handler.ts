import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { PaymentSucceededV1, Topics, parsePayload } from '@shop/contracts';
import { SHARED_TRANSACTION, type ConsumedEvent } from '@shop/messaging';
import { afterCommit } from '@shop/persistence';
import { OrderPaymentsService, type PaymentOutcome } from './order-payments.service';

/** Applies payment events to orders: validate the payload, call one service method, log the outcome. */
@Controller()
export class PaymentEventsHandler {
  private readonly logger = new Logger(PaymentEventsHandler.name);

  constructor(private readonly payments: OrderPaymentsService) {}

  /** A payload that breaks the contract throws ContractViolationError and is dead-lettered at once. */
  @EventPattern(Topics.PaymentSucceeded, SHARED_TRANSACTION)
  async onPaymentSucceeded(@Payload() event: ConsumedEvent): Promise<void> {
    const payment = parsePayload(PaymentSucceededV1, event.envelope.payload);
    const { eventId } = event.envelope;
    const outcome = await this.payments.applyPaymentSucceeded(eventId, payment);
    // Logged once the outcome is durable: a batch rolled back and applied again must not log it twice.
    afterCommit(() => this.logOutcome(eventId, payment.orderNo, outcome));
  }

  private logOutcome(eventId: string, orderNo: string, outcome: PaymentOutcome): void {
    // Nest's Logger passes an object through to pino as fields; msg becomes the line's message.
    const context = { eventId, orderNo, outcome };
    switch (outcome) {
      case 'paid':
        this.logger.log({ ...context, msg: 'order paid' });
        break;
      case 'duplicate':
      case 'already-paid':
        this.logger.debug({ ...context, msg: 'payment already applied; nothing to do' });
        break;
      case 'unknown-order':
        this.logger.warn({
          ...context,
          msg: 'payment for an unknown order; notification-ingest keeps it as an orphan',
        });
        break;
      case 'amount-mismatch':
        this.logger.warn({ ...context, msg: 'payment amount or currency differs from the order; flagged for review' });
        break;
      case 'after-final-state':
        this.logger.warn({ ...context, msg: 'payment for an order that is no longer awaiting payment; recorded' });
        break;
    }
  }
}
