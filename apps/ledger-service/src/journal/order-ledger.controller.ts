import { Controller, Get, Param } from '@nestjs/common';
import { LedgerService, type LedgerEntryView } from './ledger.service';
import { OrderLedgerParamsDto } from './order-ledger-params.dto';

/** Internal read of an order's journal, exposed to admins by the api-gateway. Not reachable from outside. */
@Controller('internal/v1/orders')
export class OrderLedgerController {
  constructor(private readonly ledger: LedgerService) {}

  /** An unknown order has no entries yet, which is an answer, not an error: 200 with []. */
  @Get(':orderNo/ledger')
  async ledgerOfOrder(@Param() params: OrderLedgerParamsDto): Promise<{ entries: LedgerEntryView[] }> {
    return { entries: await this.ledger.entriesForOrder(params.orderNo) };
  }
}
