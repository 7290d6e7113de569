import { Controller, Logger } from '@nestjs/common';
import { EventPattern, Payload } from '@nestjs/microservices';
import { PaymentAnomalyDetectedV1, Topics, parsePayload } from '@shop/contracts';
import type { ConsumedEvent } from '@shop/messaging';
import { AnomaliesService } from './anomalies.service';

/** Anomaly events from Kafka: validate (a violation is dead-lettered at once), record, log. */
@Controller()
export class AnomalyEventsHandler {
  private readonly logger = new Logger(AnomalyEventsHandler.name);

  constructor(private readonly anomalies: AnomaliesService) {}

  @EventPattern(Topics.PaymentAnomalyDetected)
  async onPaymentAnomalyDetected(@Payload() event: ConsumedEvent): Promise<void> {
    const anomaly = parsePayload(PaymentAnomalyDetectedV1, event.envelope.payload);
    const outcome = await this.anomalies.record(event.envelope.eventId, anomaly);
    const context = { eventId: event.envelope.eventId, orderNo: anomaly.orderNo, type: anomaly.type, outcome };
    if (outcome === 'recorded') this.logger.warn({ ...context, msg: 'payment anomaly recorded; refund required' });
    else this.logger.debug({ ...context, msg: 'payment anomaly already recorded' });
  }
}
