import { Matches } from 'class-validator';

/** Path parameters of GET /internal/v1/orders/:orderNo. The rule is the contracts' rule for orderNo. */
export class OrderParamsDto {
  @Matches(/^[A-Za-z0-9]{8,32}$/, { message: 'orderNo must be 8 to 32 letters or digits' })
  orderNo!: string;
}
