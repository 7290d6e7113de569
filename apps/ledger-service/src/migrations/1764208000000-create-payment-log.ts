import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createPaymentLog, dropPaymentLog, type PaymentLogSource } from '@shop/persistence';

// The hash-chained payment log of this database records every ledger posting.
const SOURCES: PaymentLogSource[] = [{ table: 'journal_entries', kind: 'posting' }];

export class CreatePaymentLog1764208000000 implements MigrationInterface {
  name = 'CreatePaymentLog1764208000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createPaymentLog(queryRunner, SOURCES);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropPaymentLog(queryRunner, SOURCES);
  }
}
