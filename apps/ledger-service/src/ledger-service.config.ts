import { ServiceConfig } from '@shop/runtime';

/** Configuration of the ledger-service, read from environment variables and validated at start. */
export class LedgerServiceConfig extends ServiceConfig {
  override PORT = 3004;
  override DB_NAME = 'shop_ledger_service';
}
