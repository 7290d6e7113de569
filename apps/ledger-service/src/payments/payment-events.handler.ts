import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import {
  AnomalyDismissedV1,
  ContractViolationError,
  PaymentAnomalyDetectedV1,
  PaymentSucceededV1,
  RefundSucceededV1,
  Topics,
  parsePayload,
} from '@shop/contracts';
import { SHARED_TRANSACTION, type ConsumedEvent } from '@shop/messaging';
import { LedgerError } from '../journal/ledger.error';
import { LedgerService } from '../journal/ledger.service';

/** Feeds money events into the journal: validate the payload, post it, nothing else. */
@Controller()
export class PaymentEventsHandler {
  private readonly logger = new Logger(PaymentEventsHandler.name);

  constructor(private readonly ledger: LedgerService) {}

  @EventPattern(Topics.PaymentSucceeded, SHARED_TRANSACTION)
  async onPaymentSucceeded(@Payload() event: ConsumedEvent): Promise<void> {
    const payment = parsePayload(PaymentSucceededV1, event.envelope.payload);
    // A refused posting (e.g. a zero amount, which the contract allows but a journal entry cannot hold) fails the
    // same way on every retry.
    const result = await this.refusedIsPermanent(() =>
      this.ledger.postPaymentSucceeded(event.envelope.eventId, payment),
    );
    if (result.status === 'duplicate') this.logger.debug(`event ${event.envelope.eventId} already posted; skipped`);
  }

  @EventPattern(Topics.PaymentAnomalyDetected)
  async onPaymentAnomalyDetected(@Payload() event: ConsumedEvent): Promise<void> {
    const anomaly = parsePayload(PaymentAnomalyDetectedV1, event.envelope.payload);
    await this.refusedIsPermanent(() => this.ledger.postAnomalyDetected(event.envelope.eventId, anomaly));
  }

  @EventPattern(Topics.RefundSucceeded)
  async onRefundSucceeded(@Payload() event: ConsumedEvent): Promise<void> {
    const refund = parsePayload(RefundSucceededV1, event.envelope.payload);
    await this.refusedIsPermanent(() => this.ledger.postRefundSucceeded(event.envelope.eventId, refund));
  }

  @EventPattern(Topics.AnomalyDismissed)
  async onAnomalyDismissed(@Payload() event: ConsumedEvent): Promise<void> {
    const dismissed = parsePayload(AnomalyDismissedV1, event.envelope.payload);
    await this.refusedIsPermanent(() => this.ledger.postAnomalyDismissed(event.envelope.eventId, dismissed));
  }

  /** A refused posting fails the same way on every retry: dead-letter it at once, visible and replayable. */
  private async refusedIsPermanent<T>(post: () => Promise<T>): Promise<T> {
    try {
      return await post();
    } catch (error) {
      if (error instanceof LedgerError) throw new ContractViolationError(`${error.code}: ${error.message}`);
      throw error;
    }
  }
}
