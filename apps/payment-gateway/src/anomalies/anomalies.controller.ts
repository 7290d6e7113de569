import { Controller, Get, Query } from '@nestjs/common';
import { AnomaliesService } from './anomalies.service';
import type { PaymentAnomalyPage } from './anomaly.views';
import { ListAnomaliesQueryDto } from './list-anomalies-query.dto';

/** Internal anomaly list for the api-gateway's admin route. Not reachable from outside. */
@Controller('internal/v1/anomalies')
export class AnomaliesController {
  constructor(private readonly anomalies: AnomaliesService) {}

  @Get()
  list(@Query() query: ListAnomaliesQueryDto): Promise<PaymentAnomalyPage> {
    return this.anomalies.list(query);
  }
}
