import { Injectable, Logger } from '@nestjs/common';
import { Gauge } from 'prom-client';
import { DataSource } from 'typeorm';
import { MetricsRegistry } from '@shop/runtime';
import { OrderServiceConfig } from '../order-service.config';

// Grace after an order's payment deadline before it counts as stuck: the expiry sweep runs every few seconds.
const STUCK_GRACE_SECONDS = 300;

/**
 * orders_unpaid_stuck: orders still awaiting payment more than 5 minutes after their payment deadline, which the
 * expiry sweep should have cancelled (the sweep or its database is not working). Read at scrape time on the
 * partial index of pending orders; a database that does not answer keeps the last value.
 */
@Injectable()
export class OrderExpiryMetrics {
  private readonly logger = new Logger(OrderExpiryMetrics.name);

  constructor(metrics: MetricsRegistry, dataSource: DataSource, config: OrderServiceConfig) {
    const olderThanSeconds = config.ORDER_PAYMENT_TIMEOUT_SECONDS + STUCK_GRACE_SECONDS;
    const logger = this.logger;
    new Gauge({
      name: 'orders_unpaid_stuck',
      help: 'Orders still awaiting payment more than 5 minutes after their payment deadline',
      registers: [metrics.registry],
      async collect() {
        try {
          const [row] = await dataSource.query<{ n: number }[]>(
            `SELECT count(*)::int AS n FROM orders
              WHERE status = 'PENDING_PAYMENT' AND created_at < now() - make_interval(secs => $1)`,
            [olderThanSeconds],
          );
          this.set(row?.n ?? 0);
        } catch (error) {
          logger.debug({ err: error, msg: 'orders_unpaid_stuck not refreshed' });
        }
      },
    });
  }
}
