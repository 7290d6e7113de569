import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { PaymentMetrics } from './payment-metrics';
import { ProviderRequestLogEntity, type ProviderRequestOutcome } from './provider-request-log.entity';

/** One provider call to record; deliberately without bodies, keys or signatures. */
export interface ProviderRequestRecord {
  provider: string;
  operation: string;
  orderNo: string;
  paymentId: string | null;
  status: ProviderRequestOutcome;
  durationMs: number;
  errorCode?: string;
  errorMessage?: string;
}

/**
 * Writes the provider_request_log, alone or inside the caller's transaction; every provider call passes here, so
 * the provider_request_* metrics are counted here too.
 */
@Injectable()
export class ProviderRequestLog {
  constructor(
    private readonly dataSource: DataSource,
    private readonly metrics: PaymentMetrics,
  ) {}

  async record(entry: ProviderRequestRecord, manager: EntityManager = this.dataSource.manager): Promise<void> {
    this.metrics.providerCall(
      entry.provider,
      entry.operation,
      entry.status === 'OK',
      entry.durationMs,
      entry.errorCode,
    );
    await manager.insert(ProviderRequestLogEntity, {
      provider: entry.provider,
      operation: entry.operation,
      orderNo: entry.orderNo,
      paymentId: entry.paymentId,
      status: entry.status,
      durationMs: Math.max(0, Math.round(entry.durationMs)),
      errorCode: entry.errorCode ?? null,
      errorMessage: entry.errorMessage?.slice(0, 500) ?? null,
    });
  }
}
