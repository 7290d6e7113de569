import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PROVIDER_NAMES } from '@shop/contracts';

const ORDER_STATUSES = [
  'PENDING_PAYMENT',
  'PAID',
  'CANCELLED',
  'SHIPPED',
  'COMPLETED',
  'PARTIALLY_REFUNDED',
  'REFUNDED',
];

/** One line of an order; amounts in minor units. */
export class OrderLineResponse {
  @ApiProperty() sku!: string;
  @ApiProperty() name!: string;
  @ApiProperty({ type: 'integer' }) quantity!: number;
  @ApiProperty({ type: 'integer', description: 'Minor units' }) unitAmount!: number;
  @ApiProperty({ type: 'integer', description: 'Minor units' }) lineAmount!: number;
}

/** One entry of an order's history: what happened, when, and who did it ("system" for the services). */
export class TimelineEntryResponse {
  @ApiProperty({ format: 'date-time' }) at!: string;
  @ApiProperty({ example: 'paid' }) event!: string;
  @ApiProperty({ example: 'system' }) actor!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) detail!: Record<string, unknown> | null;
}

/** One parcel of an order. */
export class ShipmentResponse {
  @ApiProperty() carrier!: string;
  @ApiProperty() trackingNo!: string;
  @ApiProperty({ format: 'date-time' }) shippedAt!: string;
  @ApiProperty({ description: 'The admin who recorded it' }) shippedBy!: string;
}

/** Why an order waits for a human, e.g. AMOUNT_MISMATCH. */
export class OrderReviewResponse {
  @ApiProperty({ example: 'AMOUNT_MISMATCH' }) reason!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, nullable: true }) detail!: Record<string, unknown> | null;
  @ApiProperty({ format: 'date-time' }) flaggedAt!: string;
}

/** An order as created (POST /api/v1/orders) or cancelled. */
export class OrderResponse {
  @ApiProperty({ example: '20261205A1B2C3D4E5F6' }) orderNo!: string;
  @ApiProperty({ enum: ORDER_STATUSES }) status!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty({ type: 'integer', description: 'Minor units' }) totalAmount!: number;
  @ApiProperty({ example: 'CNY' }) currency!: string;
  @ApiProperty({ type: () => [OrderLineResponse] }) items!: OrderLineResponse[];
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'While PENDING_PAYMENT: when it expires',
  })
  paymentDueAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) paidAt!: string | null;
  @ApiProperty({ type: String, enum: PROVIDER_NAMES, nullable: true }) paymentProvider!: string | null;
  @ApiProperty({ type: String, nullable: true }) providerTransactionId!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) cancelledAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) cancelReason!: string | null;
  @ApiProperty({ type: 'integer', description: 'Sum of succeeded refunds, minor units' }) refundedAmount!: number;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) shippedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt!: string | null;
  @ApiProperty({ type: () => [ShipmentResponse] }) shipments!: ShipmentResponse[];
  @ApiProperty({ type: () => OrderReviewResponse, nullable: true }) review!: OrderReviewResponse | null;
  @ApiProperty({ type: () => [TimelineEntryResponse] }) timeline!: TimelineEntryResponse[];
}

/** A payment attempt of an order. */
export class OrderPaymentResponse {
  @ApiProperty({ format: 'uuid' }) paymentId!: string;
  @ApiProperty({ enum: PROVIDER_NAMES }) provider!: string;
  @ApiProperty({ enum: ['PENDING', 'SUCCEEDED', 'FAILED'] }) status!: string;
  @ApiProperty({ type: String, nullable: true }) providerTransactionId!: string | null;
}

/** A refund of an order as the order view lists it. */
export class OrderRefundResponse {
  @ApiProperty({ format: 'uuid' }) refundId!: string;
  @ApiProperty({ type: 'integer', description: 'Minor units' }) amount!: number;
  @ApiProperty() currency!: string;
  @ApiProperty({ enum: ['PENDING', 'SUCCEEDED', 'FAILED'] }) status!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) failureReason!: string | null;
}

/** GET of one order: the order with its payments and refunds. */
export class OrderDetailsResponse extends OrderResponse {
  @ApiProperty({ type: () => [OrderPaymentResponse] }) payments!: OrderPaymentResponse[];
  @ApiProperty({ type: () => [OrderRefundResponse] }) refunds!: OrderRefundResponse[];
}

/** An order in a list. */
export class OrderSummaryResponse {
  @ApiProperty() orderNo!: string;
  @ApiProperty({ enum: ORDER_STATUSES }) status!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty({ type: 'integer' }) totalAmount!: number;
  @ApiProperty({ type: 'integer' }) refundedAmount!: number;
  @ApiProperty() currency!: string;
  @ApiProperty({ type: 'integer' }) lineCount!: number;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) paidAt!: string | null;
  @ApiProperty({ type: String, enum: PROVIDER_NAMES, nullable: true }) paymentProvider!: string | null;
  @ApiProperty() underReview!: boolean;
}

/** One page of orders, newest first. */
export class OrderPageResponse {
  @ApiProperty({ type: () => [OrderSummaryResponse] }) items!: OrderSummaryResponse[];
  @ApiProperty({ type: 'integer' }) page!: number;
  @ApiProperty({ type: 'integer' }) pageSize!: number;
  @ApiProperty({ type: 'integer' }) total!: number;
}

/** The UnionPay form the buyer's browser posts to the provider. */
export class PaymentFormResponse {
  @ApiProperty({ format: 'uri' }) action!: string;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'string' } }) fields!: Record<string, string>;
}

/** A started payment: what the customer needs next, by method (exactly one of the optional fields). */
export class PaymentStartedResponse {
  @ApiProperty({ format: 'uuid' }) paymentId!: string;
  @ApiProperty({ enum: PROVIDER_NAMES }) provider!: string;
  @ApiProperty() method!: string;
  @ApiProperty({ enum: ['PENDING'] }) status!: string;
  @ApiPropertyOptional({ description: 'Alipay QR: the content to draw as a QR code' }) qrCode?: string;
  @ApiPropertyOptional({ description: 'WeChat Pay Native: the code_url to draw as a QR code' }) codeUrl?: string;
  @ApiPropertyOptional({ format: 'uri', description: 'Alipay page: where to send the browser' }) redirectUrl?: string;
  @ApiPropertyOptional({ format: 'uri', description: 'Stripe Checkout: where to send the browser' })
  checkoutUrl?: string;
  @ApiPropertyOptional({ type: () => PaymentFormResponse, description: 'UnionPay: a form to auto-submit' })
  form?: PaymentFormResponse;
}

/** A refund as the public API shows it. */
export class RefundResponse {
  @ApiProperty({ format: 'uuid' }) refundId!: string;
  @ApiProperty() orderNo!: string;
  @ApiProperty({ enum: PROVIDER_NAMES }) provider!: string;
  @ApiProperty({ type: 'integer', description: 'Minor units' }) amount!: number;
  @ApiProperty() currency!: string;
  @ApiProperty({ enum: ['PENDING', 'SUCCEEDED', 'FAILED'] }) status!: string;
  @ApiProperty() reason!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) completedAt!: string | null;
  @ApiProperty({ type: String, nullable: true }) failureReason!: string | null;
}
