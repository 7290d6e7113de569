import pino from 'pino';
import { IdleMemoryRelease, memoryReducingCollector } from './memory-release';

describe('IdleMemoryRelease', () => {
  // A process whose CPU use per 5 s reading is scripted: shares of one core, one per check.
  // Resident memory per reading, in MB (100 throughout unless given); a collection brings it back to 100.
  function scripted(shares: number[], rssMb: number[] = []) {
    let cpu = 0;
    let at = 0;
    let rss = 100;
    const collect = jest.fn(() => {
      rss = 100;
    });
    const release = new IdleMemoryRelease(
      collect,
      pino({ level: 'silent' }),
      { intervalMs: 5_000, busyShare: 0.25, quietShare: 0.05, growthMb: 16 },
      () => cpu,
      () => at,
      () => rss * 1024 * 1024,
    );
    release.start();
    release.stop(); // readings are driven by hand below
    shares.forEach((share, i) => {
      at += 5_000;
      cpu += share * 5_000 * 1000;
      rss = rssMb[i] ?? rss;
      release.check();
    });
    return collect;
  }

  it('collects once when a busy spell turns quiet', () => {
    expect(scripted([0.9, 0.8, 0.01, 0.01]).mock.calls).toHaveLength(1);
    // One quiet reading is not yet settled quiet.
    expect(scripted([0.9, 0.8, 0.01]).mock.calls).toHaveLength(0);
  });

  it('never collects while busy, or when it was never busy', () => {
    expect(scripted([0.9, 0.9, 0.6]).mock.calls).toHaveLength(0);
    expect(scripted([0.01, 0.02, 0.01, 0.03]).mock.calls).toHaveLength(0);
  });

  it('collects once per busy spell, not on every quiet reading after it', () => {
    expect(scripted([0.9, 0.01, 0.01, 0.01]).mock.calls).toHaveLength(1);
    expect(scripted([0.9, 0.01, 0.01, 0.7, 0.02, 0.01]).mock.calls).toHaveLength(2);
    expect(scripted([0.9, 0.01, 0.1, 0.01]).mock.calls).toHaveLength(0);
  });

  it('collects when quiet after memory grew by growthMb without a busy reading, and not again for the same memory', () => {
    // Light work (never busy) grew it from 100 to 130 MB.
    expect(scripted([0.1, 0.1, 0.01, 0.01, 0.01], [110, 130, 130, 130]).mock.calls).toHaveLength(1);
    // 10 MB of growth is not enough.
    expect(scripted([0.1, 0.01, 0.01], [110, 110, 110]).mock.calls).toHaveLength(0);
  });

  it('waits while the load only eases (between quiet and busy)', () => {
    expect(scripted([0.9, 0.1, 0.1]).mock.calls).toHaveLength(0);
    expect(scripted([0.9, 0.1, 0.1, 0.02, 0.02]).mock.calls).toHaveLength(1);
  });
});

describe('memoryReducingCollector', () => {
  it('runs a full collection that frees unreachable memory, without exposing gc to the process', async () => {
    const hadGc = typeof (globalThis as { gc?: unknown }).gc === 'function';
    const collect = memoryReducingCollector();
    // An old, large, unreachable object: a young-generation collection alone would not free it.
    const ref = new WeakRef(
      Array.from({ length: 1_000 }, (_, i) => Array.from({ length: 100 }, (__, j) => `${i}:${j}:${'x'.repeat(64)}`)),
    );
    // A WeakRef's target is kept until the job that made it ends.
    await new Promise((resolve) => setImmediate(resolve));
    const before = process.memoryUsage().heapUsed;
    collect();
    expect(ref.deref()).toBeUndefined();
    expect(process.memoryUsage().heapUsed).toBeLessThan(before);
    expect(typeof (globalThis as { gc?: unknown }).gc === 'function').toBe(hadGc);
  });
});
