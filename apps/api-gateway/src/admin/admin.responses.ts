import { ApiProperty } from '@nestjs/swagger';
import { PAYMENT_ANOMALY_TYPES, PROVIDER_NAMES } from '@shop/contracts';

/** One payment anomaly: money that settled no order. */
export class AnomalyResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: PAYMENT_ANOMALY_TYPES }) type!: string;
  @ApiProperty() orderNo!: string;
  @ApiProperty({ enum: PROVIDER_NAMES }) provider!: string;
  @ApiProperty() providerTransactionId!: string;
  @ApiProperty({ type: 'integer', description: 'Minor units' }) amount!: number;
  @ApiProperty() currency!: string;
  @ApiProperty({ format: 'date-time' }) detectedAt!: string;
  @ApiProperty({ enum: ['REFUND_REQUIRED', 'REFUNDING', 'REFUNDED', 'REFUND_FAILED', 'DISMISSED'] }) status!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) refundId!: string | null;
  @ApiProperty({ type: String, nullable: true }) resolvedBy!: string | null;
  @ApiProperty({ type: String, nullable: true }) resolutionReason!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) resolvedAt!: string | null;
}

/** A page of anomalies, newest first. */
export class AnomalyPageResponse {
  @ApiProperty({ type: () => [AnomalyResponse] }) items!: AnomalyResponse[];
  @ApiProperty({ type: 'integer' }) page!: number;
  @ApiProperty({ type: 'integer' }) pageSize!: number;
  @ApiProperty({ type: 'integer' }) total!: number;
}

/** One journal entry of an order's ledger. */
export class LedgerEntryResponse {
  @ApiProperty({ format: 'uuid' }) transactionId!: string;
  @ApiProperty({ example: 'assets:alipay-clearing' }) account!: string;
  @ApiProperty({ enum: ['debit', 'credit'] }) side!: string;
  @ApiProperty({ type: 'integer', description: 'Minor units' }) amount!: number;
  @ApiProperty() currency!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
}

/** GET /api/v1/admin/orders/{orderNo}/ledger. */
export class OrderLedgerResponse {
  @ApiProperty({ type: () => [LedgerEntryResponse] }) entries!: LedgerEntryResponse[];
}
