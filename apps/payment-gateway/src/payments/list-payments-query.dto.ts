import { Matches } from 'class-validator';

/** Query of GET /internal/v1/payments. */
export class ListPaymentsQueryDto {
  @Matches(/^[A-Za-z0-9]{8,32}$/, { message: 'orderNo must be 8 to 32 letters or digits' })
  orderNo!: string;
}
