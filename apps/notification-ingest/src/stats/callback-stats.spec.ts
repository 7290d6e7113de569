import type { DataSource } from 'typeorm';
import { CallbackStats } from './callback-stats';

/** A DataSource stand-in that records the upserts and can be made to fail. */
function fakeDataSource() {
  const writes: unknown[][] = [];
  let failing = false;
  const dataSource = {
    query: (sql: string, params: unknown[]) => {
      if (failing) return Promise.reject(new Error('connection terminated'));
      if (sql.includes('INSERT INTO callback_outcome_counts')) writes.push(params);
      return Promise.resolve([]);
    },
  } as unknown as DataSource;
  return { dataSource, writes, fail: (value: boolean) => (failing = value) };
}

describe('CallbackStats', () => {
  const at = new Date('2026-12-05T10:15:42.123Z');

  it('adds up callbacks per minute, provider and outcome, and writes them in one upsert', async () => {
    const db = fakeDataSource();
    const stats = new CallbackStats(db.dataSource);
    stats.add('alipay', 'accepted', at);
    stats.add('alipay', 'accepted', new Date('2026-12-05T10:15:59.999Z'));
    stats.add('alipay', 'rejected_signature', at);
    stats.add('stripe', 'accepted', new Date('2026-12-05T10:16:00.000Z'));
    await stats.flush();
    expect(db.writes).toHaveLength(1);
    const [minutes, providers, outcomes, counts] = db.writes[0] as [string[], string[], string[], number[]];
    const rows = minutes.map((m, i) => [m, providers[i], outcomes[i], counts[i]]);
    expect(rows).toEqual(
      expect.arrayContaining([
        ['2026-12-05T10:15:00.000Z', 'alipay', 'accepted', 2],
        ['2026-12-05T10:15:00.000Z', 'alipay', 'rejected_signature', 1],
        ['2026-12-05T10:16:00.000Z', 'stripe', 'accepted', 1],
      ]),
    );
    expect(rows).toHaveLength(3);
    await stats.flush();
    expect(db.writes).toHaveLength(1); // nothing new: nothing written
  });

  it('keeps the counts of a failed write and adds them to the next one', async () => {
    const db = fakeDataSource();
    const stats = new CallbackStats(db.dataSource);
    stats.add('wechatpay', 'accepted', at);
    db.fail(true);
    await stats.flush();
    expect(db.writes).toHaveLength(0);
    stats.add('wechatpay', 'accepted', at);
    db.fail(false);
    await stats.flush();
    expect(db.writes).toHaveLength(1);
    expect((db.writes[0] as number[][])[3]).toEqual([2]);
  });
});
