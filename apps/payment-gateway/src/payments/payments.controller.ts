import { Body, Controller, Get, Post, Query } from '@nestjs/common';
import { CreatePaymentDto } from './create-payment.dto';
import { ListPaymentsQueryDto } from './list-payments-query.dto';
import type { CreatedPaymentView, PaymentAttemptView } from './payment.views';
import { PaymentsService } from './payments.service';

/**
 * Internal payment API for the api-gateway, which authenticates the caller and checks that the order is theirs
 * and awaiting payment before it calls. Not reachable from outside.
 */
@Controller('internal/v1/payments')
export class PaymentsController {
  constructor(private readonly payments: PaymentsService) {}

  /** 201 with a QR code or a redirect URL for the buyer. */
  @Post()
  create(@Body() body: CreatePaymentDto): Promise<CreatedPaymentView> {
    return this.payments.createPayment(body);
  }

  /** An order without attempts is an answer, not an error: 200 with no items. */
  @Get()
  async list(@Query() query: ListPaymentsQueryDto): Promise<{ items: PaymentAttemptView[] }> {
    return { items: await this.payments.attemptsForOrder(query.orderNo) };
  }
}
