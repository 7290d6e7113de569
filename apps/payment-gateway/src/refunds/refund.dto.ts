import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, IsUUID, Matches, Max, MaxLength, Min } from 'class-validator';
import { PROVIDER_NAMES } from '@shop/contracts';

/** The who and why every refund and anomaly action carries (recorded for the audit). */
class ActorDto {
  /** The admin's token subject, as the api-gateway authenticated it. */
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  actor!: string;

  /** The api-gateway's digest of the admin's Idempotency-Key: a retried request finds its first refund. */
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/, { message: 'requestKey must be 64 lower-case hex digits' })
  requestKey?: string;
}

/**
 * Body of POST /internal/v1/refunds: refund part of the payment that paid an order. The api-gateway reads the
 * order first (it must be refundable) and names the payment that paid it.
 */
export class CreateRefundDto extends ActorDto {
  @Matches(/^[A-Za-z0-9]{8,32}$/, { message: 'orderNo must be 8 to 32 letters and digits' })
  orderNo!: string;

  @IsIn(PROVIDER_NAMES)
  provider!: string;

  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  providerTransactionId!: string;

  /** Minor units; at most what is left of the payment (the database checks it too). */
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  amount!: number;

  @IsIn(['CNY', 'USD', 'EUR', 'GBP', 'HKD', 'JPY', 'KRW'])
  currency!: string;

  @IsString()
  @Matches(/^[^\p{Cc}]{1,200}$/u, { message: 'reason must be 1 to 200 printable characters' })
  @Matches(/\S/, { message: 'reason must not be blank' })
  reason!: string;
}

/** Body of POST /internal/v1/anomalies/:id/refund. */
export class RefundAnomalyDto extends ActorDto {
  @IsOptional()
  @IsString()
  @Matches(/^[^\p{Cc}]{1,200}$/u, { message: 'reason must be 1 to 200 printable characters' })
  reason?: string;
}

/** Body of POST /internal/v1/anomalies/:id/dismiss. */
export class DismissAnomalyDto extends ActorDto {
  @IsString()
  @Matches(/^[^\p{Cc}]{1,200}$/u, { message: 'reason must be 1 to 200 printable characters' })
  @Matches(/\S/, { message: 'reason must not be blank' })
  reason!: string;
}

/** Path parameter of /internal/v1/anomalies/:id/... */
export class AnomalyIdParams {
  @IsUUID('all', { message: 'id must be an anomaly id (a UUID)' })
  id!: string;
}

/** Query of GET /internal/v1/refunds. */
export class ListRefundsQueryDto {
  @Matches(/^[A-Za-z0-9]{8,64}$/, { message: 'orderNo must be 8 to 64 letters and digits' })
  orderNo!: string;
}
