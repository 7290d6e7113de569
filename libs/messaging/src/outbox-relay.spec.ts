import type { Producer } from 'kafkajs';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { OutboxRelay } from './outbox-relay';

// The loop only: what a pass does against PostgreSQL and Kafka is covered by the messaging integration tests.
describe('OutboxRelay wake-ups', () => {
  function relayWith(passes: Array<(relay: OutboxRelay) => number | Error>) {
    const relay = new OutboxRelay(
      {} as DataSource,
      {} as Producer,
      { brokers: ['127.0.0.1:1'], clientId: 'unit', topicPrefix: '' },
      pino({ level: 'silent' }),
      // A poll so long that only a wake-up can start the next pass within the test.
      { pollIntervalMs: 60_000 },
    );
    const calls: number[] = [];
    jest.spyOn(relay, 'publishBatch').mockImplementation(async () => {
      const pass = passes[calls.length] ?? (() => 0);
      calls.push(Date.now());
      const result = pass(relay);
      if (result instanceof Error) throw result;
      return result;
    });
    return { relay, calls };
  }

  const until = async (check: () => boolean) => {
    for (let i = 0; i < 200 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
    return check();
  };

  it('runs another pass at once when a nudge arrived during a pass', async () => {
    const { relay, calls } = relayWith([
      (r) => {
        r.nudge(); // a transaction committed while this pass was selecting
        return 3;
      },
      () => 1,
    ]);
    relay.start();
    expect(await until(() => calls.length >= 2)).toBe(true);
    await relay.stop();
  });

  it('sleeps until the poll after a pass without a nudge, and a nudge ends the sleep', async () => {
    const { relay, calls } = relayWith([() => 3, () => 0]);
    relay.start();
    await until(() => calls.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toHaveLength(1);
    relay.nudge();
    expect(await until(() => calls.length >= 2)).toBe(true);
    await relay.stop();
  });

  it('keeps its backoff after a failure even when nudged during the failing pass', async () => {
    const { relay, calls } = relayWith([
      (r) => {
        r.nudge();
        return new Error('broker unreachable');
      },
    ]);
    relay.start();
    await until(() => calls.length >= 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(calls).toHaveLength(1);
    await relay.stop();
  });
});

describe('OutboxRelay linger', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] }));
  afterEach(() => jest.useRealTimers());

  it('starts the pass after a nudge lingerMs later, with every nudge of that window in one pass', async () => {
    const relay = new OutboxRelay(
      {} as DataSource,
      {} as Producer,
      { brokers: ['127.0.0.1:1'], clientId: 'unit', topicPrefix: '' },
      pino({ level: 'silent' }),
      { pollIntervalMs: 60_000, lingerMs: 5 },
    );
    let passes = 0;
    jest.spyOn(relay, 'publishBatch').mockImplementation(async () => {
      passes += 1;
      return 1;
    });
    relay.start();
    await jest.advanceTimersByTimeAsync(0);
    expect(passes).toBe(1);

    // Three commits within the window: one pass, 5 ms after the first of them.
    relay.nudge();
    await jest.advanceTimersByTimeAsync(2);
    relay.nudge();
    await jest.advanceTimersByTimeAsync(2);
    relay.nudge();
    expect(passes).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(passes).toBe(2);
    // Nothing new: back to the poll.
    await jest.advanceTimersByTimeAsync(1_000);
    expect(passes).toBe(2);
    const stopped = relay.stop();
    await jest.advanceTimersByTimeAsync(0);
    await stopped;
  });
});
