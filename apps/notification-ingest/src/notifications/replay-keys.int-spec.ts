import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { eventually, startServiceForTest, type RunningService } from '@shop/testing';
import type { NotificationIngestConfig } from '../notification-ingest.config';
import { service } from '../service';
import { REPLAY_WINDOW_SECONDS, ReplayKeys } from './replay-keys';

// callback_replay_keys on the real PostgreSQL, with the service's own housekeeping timer running every second.
describe('ReplayKeys', () => {
  let ingest: RunningService<NotificationIngestConfig>;
  let db: DataSource;
  let replayKeys: ReplayKeys;

  beforeAll(async () => {
    ingest = await startServiceForTest(service, { ORPHAN_SWEEP_INTERVAL_SECONDS: '1' });
    db = ingest.app.get(DataSource);
    replayKeys = ingest.app.get(ReplayKeys);
  });

  afterAll(async () => {
    await ingest?.stop();
  });

  const claim = (key: string, provider = 'wechatpay') =>
    db.transaction((manager) => replayKeys.claim(manager, provider, key));

  async function storedKeys(): Promise<string[]> {
    const rows: { replay_key: string }[] = await db.query('SELECT replay_key FROM callback_replay_keys');
    return rows.map((r) => r.replay_key);
  }

  it('claims a key once per provider', async () => {
    const key = `1795000000:${randomUUID()}`;
    expect(await claim(key)).toBe(true);
    expect(await claim(key)).toBe(false);
    expect(await claim(key, 'stripe')).toBe(true);
  });

  it('lets one of two concurrent claims win, and the other after the winner rolls back', async () => {
    const key = `1795000000:${randomUUID()}`;
    expect((await Promise.all([claim(key), claim(key)])).sort()).toEqual([false, true]);

    const other = `1795000000:${randomUUID()}`;
    let claimed!: () => void;
    const firstClaimed = new Promise<void>((resolve) => (claimed = resolve));
    const rolledBack = db
      .transaction(async (manager) => {
        expect(await replayKeys.claim(manager, 'wechatpay', other)).toBe(true);
        claimed();
        await new Promise((resolve) => setTimeout(resolve, 300));
        throw new Error('the notification could not be stored');
      })
      .catch((error: Error) => error.message);
    await firstClaimed;
    // Waits for the first transaction; it rolled back, so this delivery was never stored: no replay.
    expect(await claim(other)).toBe(true);
    expect(await rolledBack).toBe('the notification could not be stored');
  });

  it('stores a long key as its digest, still claimed once', async () => {
    const key = `1795000000:${'n'.repeat(300)}`;
    expect(await claim(key)).toBe(true);
    expect(await claim(key)).toBe(false);
    expect(await storedKeys()).toContainEqual(expect.stringMatching(/^sha256:[0-9a-f]{64}$/));
  });

  it('takes over a key older than the window that the purge has not removed yet', async () => {
    const key = `1795000000:${randomUUID()}`;
    await db.query(
      `INSERT INTO callback_replay_keys (provider, replay_key, received_at)
       VALUES ('wechatpay', $1, now() - make_interval(secs => $2))`,
      [key, REPLAY_WINDOW_SECONDS + 60],
    );
    expect(await claim(key)).toBe(true);
    expect(await claim(key)).toBe(false);
  });

  it('is purged of keys older than the window by the housekeeping timer; fresh keys stay', async () => {
    const [old, fresh] = [`old:${randomUUID()}`, `fresh:${randomUUID()}`];
    await db.query(
      `INSERT INTO callback_replay_keys (provider, replay_key, received_at) VALUES
         ('stripe', $1, now() - make_interval(secs => $3)), ('stripe', $2, now() - interval '10 seconds')`,
      [old, fresh, REPLAY_WINDOW_SECONDS + 1],
    );
    await eventually(async () => ((await storedKeys()).includes(old) ? undefined : true), {
      timeoutMs: 10_000,
      message: 'the expired replay key purged',
    });
    expect(await storedKeys()).toContain(fresh);
  });
});
