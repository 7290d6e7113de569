import type { MigrationInterface, QueryRunner } from 'typeorm';
import { createPaymentLog, dropPaymentLog, type PaymentLogSource } from '@shop/persistence';

// The hash-chained payment log of this database records every provider request and every refund with each of its changes.
const SOURCES: PaymentLogSource[] = [
  { table: 'provider_request_log', kind: 'provider-request' },
  { table: 'refunds', kind: 'refund', onUpdate: true },
];

export class CreatePaymentLog1764208000000 implements MigrationInterface {
  name = 'CreatePaymentLog1764208000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await createPaymentLog(queryRunner, SOURCES);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await dropPaymentLog(queryRunner, SOURCES);
  }
}
