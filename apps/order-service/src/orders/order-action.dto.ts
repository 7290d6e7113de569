import { IsIn, IsNotEmpty, IsOptional, IsString, Matches, MaxLength } from 'class-validator';

/** Who asks, as the api-gateway authenticated them: the token's subject. Recorded on the timeline. */
class ActorDto {
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  actor!: string;
}

/** Body of POST /internal/v1/orders/:orderNo/shipments. */
export class ShipOrderDto extends ActorDto {
  // Printable text without control characters: it is shown to customers and printed on labels.
  @IsString()
  @Matches(/^[^\p{Cc}]{1,64}$/u, { message: 'carrier must be 1 to 64 printable characters' })
  @Matches(/\S/, { message: 'carrier must not be blank' })
  carrier!: string;

  @IsString()
  @Matches(/^[A-Za-z0-9-]{4,64}$/, { message: 'trackingNo must be 4 to 64 letters, digits or dashes' })
  trackingNo!: string;
}

/** Body of POST /internal/v1/orders/:orderNo/complete. */
export class CompleteOrderDto extends ActorDto {}

/** Who may cancel: the customer who owns the order, or an admin. */
export const CANCELLED_BY = ['customer', 'admin'] as const;

/** Body of POST /internal/v1/orders/:orderNo/cancel. */
export class CancelOrderDto extends ActorDto {
  @IsIn(CANCELLED_BY)
  by!: (typeof CANCELLED_BY)[number];

  /** Given for a customer: another customer's order is "not found", like one that does not exist. */
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  customerId?: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  note?: string;
}
