import { createHash } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/**
 * How long a replay key is kept. WeChat Pay signatures are accepted while their timestamp is within
 * 300 s of our clock, either way: a request signed at t verifies from t - 300 to t + 300, and it arrives no earlier
 * than t - 300, so 600 s after its arrival no copy of it verifies any more.
 */
export const REPLAY_WINDOW_SECONDS = 600;

// The column's width; longer keys (a provider's unusually long nonce) are stored as their digest.
const KEY_MAX_LENGTH = 128;

/**
 * The signed requests seen within the replay window (callback_replay_keys), one row per (provider, replay key).
 * A replay key names one signed delivery (WeChat Pay: timestamp and nonce): a
 * provider's own retries are signed afresh and carry a new key, so only a byte-exact replay finds its key here.
 */
@Injectable()
export class ReplayKeys {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Claims a replay key inside the caller's transaction: true the first time within the window, false for a
   * replay. A concurrent claim of the same key waits for the first transaction: it sees the key when that one
   * commits, and claims it itself when that one rolls back (the delivery was not stored, so it is no replay).
   */
  async claim(manager: EntityManager, provider: string, replayKey: string): Promise<boolean> {
    const key =
      replayKey.length <= KEY_MAX_LENGTH
        ? replayKey
        : `sha256:${createHash('sha256').update(replayKey, 'utf8').digest('hex')}`;
    // A key older than the window (not purged yet) is taken over: it no longer protects anything.
    const claimed: unknown[] = await manager.query(
      `INSERT INTO callback_replay_keys (provider, replay_key) VALUES ($1, $2)
       ON CONFLICT (provider, replay_key) DO UPDATE SET received_at = now()
         WHERE callback_replay_keys.received_at < now() - make_interval(secs => $3)
       RETURNING 1`,
      [provider, key, REPLAY_WINDOW_SECONDS],
    );
    return claimed.length > 0;
  }

  /** Deletes the keys older than the window; returns how many. */
  async purgeExpired(): Promise<number> {
    const [, deleted]: [unknown, number] = await this.dataSource.query(
      `DELETE FROM callback_replay_keys WHERE received_at < now() - make_interval(secs => $1)`,
      [REPLAY_WINDOW_SECONDS],
    );
    return deleted;
  }
}
