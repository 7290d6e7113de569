import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Query } from '@nestjs/common';
import { AnomalyIdParams, DismissAnomalyDto, RefundAnomalyDto } from '../refunds/refund.dto';
import type { RefundView } from '../refunds/refund.views';
import { AnomaliesService } from './anomalies.service';
import type { PaymentAnomalyPage, PaymentAnomalyView } from './anomaly.views';
import { ListAnomaliesQueryDto } from './list-anomalies-query.dto';

/** Internal anomaly list and actions for the api-gateway's admin routes. Not reachable from outside. */
@Controller('internal/v1/anomalies')
export class AnomaliesController {
  constructor(private readonly anomalies: AnomaliesService) {}

  @Get()
  list(@Query() query: ListAnomaliesQueryDto): Promise<PaymentAnomalyPage> {
    return this.anomalies.list(query);
  }

  /** Refunds the anomaly in full through the provider that took the money: 201 with the refund. */
  @Post(':id/refund')
  refund(@Param() params: AnomalyIdParams, @Body() body: RefundAnomalyDto): Promise<RefundView> {
    return this.anomalies.refund(params.id, body);
  }

  @Post(':id/dismiss')
  @HttpCode(HttpStatus.OK)
  dismiss(@Param() params: AnomalyIdParams, @Body() body: DismissAnomalyDto): Promise<PaymentAnomalyView> {
    return this.anomalies.dismiss(params.id, body);
  }
}
