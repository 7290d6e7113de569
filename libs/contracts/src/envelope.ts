import { Type } from 'class-transformer';
import {
  IsDateString,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Min,
} from 'class-validator';

/**
 * The wrapper every event travels in. eventId is the idempotency key consumers record in their inbox;
 * producers derive it deterministically where a retry must not create a second event.
 */
export class EventEnvelope<P extends object = Record<string, unknown>> {
  @IsUUID()
  eventId!: string;

  @IsString()
  @Matches(/^[A-Z][A-Za-z]+$/)
  type!: string;

  @Type(() => Number)
  @IsInt()
  @Min(1)
  version!: number;

  @IsDateString()
  occurredAt!: string;

  /** The partition key: the order number, so one order's events stay in order. */
  @IsString()
  @IsNotEmpty()
  key!: string;

  @IsOptional()
  @IsString()
  correlationId?: string;

  /**
   * The W3C traceparent of the work that produced the event; the relay also sends it as the Kafka header
   * `traceparent`, and consumers continue the trace from it.
   */
  @IsOptional()
  @Matches(/^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$/)
  traceparent?: string;

  @IsIn(['order-service', 'payment-gateway', 'notification-ingest', 'ledger-service', 'api-gateway', 'test'])
  producer!: string;

  @IsObject()
  payload!: P;
}
