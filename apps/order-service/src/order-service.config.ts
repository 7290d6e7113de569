import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { ServiceConfig } from '@shop/runtime';

/** Configuration of the order-service, read from environment variables and validated at start. */
export class OrderServiceConfig extends ServiceConfig {
  override PORT = 3002;
  override DB_NAME = 'shop_order_service';

  /** How long an order may wait for payment before the expiry sweep cancels it (reason "expired"). */
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(30 * 24 * 3600)
  ORDER_PAYMENT_TIMEOUT_SECONDS = 1800;

  /** How often the expiry sweep looks for overdue orders (a full batch is followed at once by the next). */
  @Type(() => Number)
  @IsInt()
  @Min(50)
  @Max(3_600_000)
  EXPIRY_SWEEP_INTERVAL_MS = 5000;
}
