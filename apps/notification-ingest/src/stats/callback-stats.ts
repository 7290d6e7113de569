import { Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';

const FLUSH_INTERVAL_MS = 5000;
// Minutes, providers and outcomes are few; this bounds memory while the database is away for long.
const MAX_PENDING_KEYS = 20_000;
/** How long per-minute counts are kept (the dashboard shows at most a day). */
const RETENTION_DAYS = 7;

/** One row of the dashboard's callback series. */
export interface CallbackCount {
  minute: string;
  provider: string;
  outcome: string;
  count: number;
}

/**
 * Callbacks per minute, provider and outcome, for the admin dashboard. Counted in memory as they happen (the
 * same place as payment_callbacks_total) and added to callback_outcome_counts every few seconds and at shutdown
 * in one upsert; replicas add to the same rows. A flush that fails keeps its counts for the next one; a crash
 * loses at most the last few seconds (the dashboard is an overview; payment facts live elsewhere).
 */
@Injectable()
export class CallbackStats implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(CallbackStats.name);
  private pending = new Map<string, number>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private lastPurge = 0;

  constructor(private readonly dataSource: DataSource) {}

  add(provider: string, outcome: string, at = new Date()): void {
    const minute = new Date(Math.floor(at.getTime() / 60_000) * 60_000).toISOString();
    const key = `${minute}|${provider}|${outcome}`;
    if (!this.pending.has(key) && this.pending.size >= MAX_PENDING_KEYS) return;
    this.pending.set(key, (this.pending.get(key) ?? 0) + 1);
  }

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.flush(), FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  /** Adds the pending counts to the table; on failure they stay pending. */
  async flush(): Promise<void> {
    if (this.flushing) return this.flushing;
    this.flushing = this.write().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  /** Counts per minute since `minutes` ago, oldest first. */
  async since(minutes: number): Promise<CallbackCount[]> {
    const rows = await this.dataSource.query<{ minute: Date; provider: string; outcome: string; count: number }[]>(
      `SELECT minute, provider, outcome, count FROM callback_outcome_counts
       WHERE minute >= date_trunc('minute', now()) - make_interval(mins => $1 - 1)
       ORDER BY minute, provider, outcome`,
      [minutes],
    );
    return rows.map((r) => ({
      minute: r.minute.toISOString(),
      provider: r.provider,
      outcome: r.outcome,
      count: r.count,
    }));
  }

  private async write(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const minutes: string[] = [];
    const providers: string[] = [];
    const outcomes: string[] = [];
    const counts: number[] = [];
    for (const [key, count] of batch) {
      const [minute, provider, outcome] = key.split('|') as [string, string, string];
      minutes.push(minute);
      providers.push(provider);
      outcomes.push(outcome);
      counts.push(count);
    }
    try {
      await this.dataSource.query(
        `INSERT INTO callback_outcome_counts (minute, provider, outcome, count)
         SELECT * FROM unnest($1::timestamptz[], $2::varchar[], $3::varchar[], $4::int[])
         ON CONFLICT (minute, provider, outcome)
         DO UPDATE SET count = callback_outcome_counts.count + EXCLUDED.count`,
        [minutes, providers, outcomes, counts],
      );
      if (Date.now() - this.lastPurge > 3_600_000) {
        this.lastPurge = Date.now();
        await this.dataSource.query(
          `DELETE FROM callback_outcome_counts WHERE minute < now() - make_interval(days => $1)`,
          [RETENTION_DAYS],
        );
      }
    } catch (error) {
      for (const [key, count] of batch) this.pending.set(key, (this.pending.get(key) ?? 0) + count);
      this.logger.warn({ err: error, keys: batch.size, msg: 'callback counts not written; kept for the next flush' });
    }
  }
}
