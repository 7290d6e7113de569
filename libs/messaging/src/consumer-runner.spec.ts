import 'reflect-metadata';
import { EventEmitter } from 'node:events';
import type { Kafka, Producer } from 'kafkajs';
import pino from 'pino';
import { ConsumerRunner } from './consumer-runner';

const EVENTS = { GROUP_JOIN: 'consumer.group_join', CRASH: 'consumer.crash' } as const;

/** Just enough of a kafkajs consumer to be started, joined and crashed by the test. */
class FakeConsumer extends EventEmitter {
  readonly events = EVENTS;
  connected = false;
  failConnect = false;

  // kafkajs's on() answers a function that removes the listener.
  listen(event: string, listener: (...args: unknown[]) => void): () => void {
    super.on(event, listener);
    return () => this.off(event, listener);
  }

  async connect(): Promise<void> {
    if (this.failConnect) throw new Error('broker unreachable');
    this.connected = true;
  }
  async subscribe(): Promise<void> {}
  async run(): Promise<void> {
    setImmediate(() => this.emit(EVENTS.GROUP_JOIN, { payload: { memberAssignment: {} } }));
  }
  async disconnect(): Promise<void> {
    this.connected = false;
  }
  crash(restart: boolean): void {
    this.emit(EVENTS.CRASH, { payload: { error: new Error('The group is rebalancing'), restart } });
  }
}

function runnerWith(consumers: FakeConsumer[]): ConsumerRunner {
  let next = 0;
  // The runner calls on(); the fake's EventEmitter.on returns the emitter, so hand it listen() instead.
  const kafka = {
    consumer: () => {
      const consumer = consumers[next++];
      return Object.assign(Object.create(consumer) as object, {
        on: consumer.listen.bind(consumer),
        events: EVENTS,
        connect: () => consumer.connect(),
        subscribe: () => consumer.subscribe(),
        run: () => consumer.run(),
        disconnect: () => consumer.disconnect(),
      });
    },
  } as unknown as Kafka;
  return new ConsumerRunner(
    kafka,
    {} as Producer,
    { brokers: ['127.0.0.1:1'], clientId: 'unit', topicPrefix: '' },
    pino({ level: 'silent' }),
    { groupId: 'unit-group', handlers: { 'orders.order-created.v1': async () => undefined } },
  );
}

async function until(check: () => boolean): Promise<void> {
  for (let i = 0; i < 2000 && !check(); i++) await new Promise((resolve) => setImmediate(resolve));
  if (!check()) throw new Error('condition not reached');
}

describe('ConsumerRunner after a crash kafkajs does not restart', () => {
  beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] }));
  afterEach(() => jest.useRealTimers());

  it('starts a new consumer and reports the group down until it has joined', async () => {
    const first = new FakeConsumer();
    const second = new FakeConsumer();
    const runner = runnerWith([first, second]);
    await runner.start();
    expect(runner.stuckPartitions()).toEqual([]);

    first.crash(false);
    expect(runner.stuckPartitions()).toEqual([
      expect.objectContaining({ topic: 'orders.order-created.v1', partition: -1, reason: 'The group is rebalancing' }),
    ]);
    await until(() => second.connected);
    await until(() => runner.stuckPartitions().length === 0);
    expect(first.connected).toBe(false);
    await runner.stop();
  });

  it('leaves a crash that kafkajs restarts itself alone', async () => {
    const first = new FakeConsumer();
    const runner = runnerWith([first]);
    await runner.start();
    first.crash(true);
    expect(runner.stuckPartitions()).toEqual([]);
    expect(first.connected).toBe(true);
    await runner.stop();
  });

  it('keeps trying while the broker cannot be reached', async () => {
    const first = new FakeConsumer();
    const unreachable = new FakeConsumer();
    unreachable.failConnect = true;
    const third = new FakeConsumer();
    const runner = runnerWith([first, unreachable, third]);
    await runner.start();
    first.crash(false);
    await until(() => !first.connected);
    await jest.advanceTimersByTimeAsync(5_000);
    await until(() => third.connected);
    await until(() => runner.stuckPartitions().length === 0);
    await runner.stop();
  });
});

describe('ConsumerRunner batches', () => {
  const topic = 'orders.order-created.v1';
  const envelope = (n: number) =>
    Buffer.from(
      JSON.stringify({
        eventId: `00000000-0000-4000-8000-00000000000${n}`,
        type: 'OrderCreated',
        version: 1,
        occurredAt: '2026-12-05T00:00:00.000Z',
        key: `order-${n}`,
        producer: 'test',
        payload: {},
      }),
    );

  /** Starts a runner on a fake consumer and answers what it needs to feed it one batch. */
  async function started(handler: (offset: string) => Promise<void>) {
    let eachBatch: ((payload: unknown) => Promise<void>) | undefined;
    const calls = { paused: 0, sought: [] as string[] };
    const consumer = Object.assign(new FakeConsumer(), {
      run: async (config: { eachBatch: (payload: unknown) => Promise<void> }) => {
        eachBatch = config.eachBatch;
        setImmediate(() => consumer.emit(EVENTS.GROUP_JOIN, { payload: { memberAssignment: {} } }));
      },
      pause: () => void (calls.paused += 1),
      seek: ({ offset }: { offset: string }) => void calls.sought.push(offset),
      resume: () => undefined,
    });
    const kafka = {
      consumer: () =>
        Object.assign(Object.create(consumer) as object, {
          on: consumer.listen.bind(consumer),
          events: EVENTS,
        }),
    } as unknown as Kafka;
    const runner = new ConsumerRunner(
      kafka,
      {} as Producer,
      { brokers: ['127.0.0.1:1'], clientId: 'unit', topicPrefix: '' },
      pino({ level: 'silent' }),
      {
        groupId: 'unit-group',
        // A first failure waits longer than the in-place limit, so it parks the partition at once.
        initialBackoffMs: 60_000,
        handlers: { [topic]: (event) => handler(event.offset) },
      },
    );
    await runner.start();
    const feed = async (offsets: string[]) => {
      const resolved: string[] = [];
      const commits: unknown[] = [];
      await eachBatch!({
        batch: { topic, partition: 2, messages: offsets.map((offset, i) => ({ offset, value: envelope(i + 1) })) },
        isRunning: () => true,
        isStale: () => calls.sought.length > 0,
        heartbeat: async () => undefined,
        resolveOffset: (offset: string) => void resolved.push(offset),
        commitOffsetsIfNecessary: async (offsets?: unknown) => void commits.push(offsets),
      });
      return { resolved, commits };
    };
    return { runner, feed, calls };
  }

  it('applies the batch in order and commits once, after its last message', async () => {
    const seen: string[] = [];
    const { runner, feed } = await started(async (offset) => void seen.push(offset));
    const { resolved, commits } = await feed(['10', '11', '12']);
    expect(seen).toEqual(['10', '11', '12']);
    expect(resolved).toEqual(['10', '11', '12']);
    expect(commits).toEqual([{ topics: [{ topic, partitions: [{ partition: 2, offset: '13' }] }] }]);
    await runner.stop();
  });

  it('stops at a message parked for a retry and commits only what came before it', async () => {
    const seen: string[] = [];
    const { runner, feed, calls } = await started(async (offset) => {
      seen.push(offset);
      if (offset === '11') throw new Error('not yet');
    });
    const { resolved, commits } = await feed(['10', '11', '12']);
    expect(seen).toEqual(['10', '11']);
    expect(resolved).toEqual(['10']);
    expect(commits).toEqual([{ topics: [{ topic, partitions: [{ partition: 2, offset: '11' }] }] }]);
    expect(calls).toMatchObject({ paused: 1, sought: ['11'] });
    await runner.stop();
  });

  it('commits nothing when the first message is parked', async () => {
    const { runner, feed, calls } = await started(async () => {
      throw new Error('not yet');
    });
    const { resolved, commits } = await feed(['10', '11']);
    expect(resolved).toEqual([]);
    expect(commits).toEqual([]);
    expect(calls.sought).toEqual(['10']);
    await runner.stop();
  });
});

describe('ConsumerRunner shared transactions', () => {
  const topic = 'payments.payment-succeeded.v1';
  const other = 'orders.order-created.v1';
  const envelope = (n: number, version = 1) =>
    Buffer.from(
      JSON.stringify({
        eventId: `00000000-0000-4000-8000-0000000000${String(n).padStart(2, '0')}`,
        type: 'PaymentSucceeded',
        version,
        occurredAt: '2026-12-05T00:00:00.000Z',
        key: `order-${n}`,
        producer: 'test',
        payload: {},
      }),
    );

  /**
   * A runner whose shared transaction is a log: "begin", each applied offset, then "commit" or "rollback" (when the
   * work throws, as withSharedTransaction does). Handlers outside a shared transaction log "alone:<offset>".
   */
  async function started(options: {
    handler?: (offset: string, shared: boolean) => Promise<void>;
    topics?: string[];
    maxEvents?: number;
  }) {
    const log: string[] = [];
    let inShared = false;
    let eachBatch: ((payload: unknown) => Promise<void>) | undefined;
    const consumer = Object.assign(new FakeConsumer(), {
      run: async (config: { eachBatch: (payload: unknown) => Promise<void> }) => {
        eachBatch = config.eachBatch;
        setImmediate(() => consumer.emit(EVENTS.GROUP_JOIN, { payload: { memberAssignment: {} } }));
      },
      pause: () => undefined,
      seek: () => undefined,
      resume: () => undefined,
    });
    const kafka = {
      consumer: () =>
        Object.assign(Object.create(consumer) as object, { on: consumer.listen.bind(consumer), events: EVENTS }),
    } as unknown as Kafka;
    const deadLettered: string[] = [];
    const producer = {
      send: async ({ messages }: { messages: { headers: Record<string, string> }[] }) =>
        void deadLettered.push(...messages.map((m) => m.headers['dlq-original-offset'])),
    } as unknown as Producer;
    const handler = async (offset: string) => {
      await options.handler?.(offset, inShared);
      log.push(inShared ? offset : `alone:${offset}`);
    };
    const runner = new ConsumerRunner(
      kafka,
      producer,
      { brokers: ['127.0.0.1:1'], clientId: 'unit', topicPrefix: '' },
      pino({ level: 'silent' }),
      {
        groupId: 'unit-group',
        maxAttempts: 1,
        initialBackoffMs: 1,
        handlers: { [topic]: (e) => handler(e.offset), [other]: (e) => handler(e.offset) },
        sharedTransaction: {
          topics: options.topics ?? [topic],
          maxEvents: options.maxEvents,
          run: async (work) => {
            log.push('begin');
            inShared = true;
            try {
              await work();
              log.push('commit');
            } catch (error) {
              log.push('rollback');
              throw error;
            } finally {
              inShared = false;
            }
          },
        },
      },
    );
    await runner.start();
    const feed = async (onTopic: string, values: Buffer[], partition = 1) => {
      const resolved: string[] = [];
      const commits: unknown[] = [];
      await eachBatch!({
        batch: {
          topic: onTopic,
          partition,
          messages: values.map((value, i) => ({ offset: String(20 + i), value })),
        },
        isRunning: () => true,
        isStale: () => false,
        heartbeat: async () => undefined,
        resolveOffset: (offset: string) => void resolved.push(offset),
        commitOffsetsIfNecessary: async (offsets?: unknown) => void commits.push(offsets),
      });
      return { resolved, commits };
    };
    return { runner, feed, log, deadLettered };
  }

  it('applies a batch of a shared topic in one transaction and commits its offset once', async () => {
    const { runner, feed, log } = await started({});
    const { resolved, commits } = await feed(topic, [envelope(1), envelope(2), envelope(3)]);
    expect(log).toEqual(['begin', '20', '21', '22', 'commit']);
    expect(resolved).toEqual(['20', '21', '22']);
    expect(commits).toEqual([{ topics: [{ topic, partitions: [{ partition: 1, offset: '23' }] }] }]);
    await runner.stop();
  });

  it('splits a batch into transactions of at most maxEvents', async () => {
    const { runner, feed, log } = await started({ maxEvents: 2 });
    await feed(topic, [envelope(1), envelope(2), envelope(3), envelope(4), envelope(5)]);
    expect(log).toEqual(['begin', '20', '21', 'commit', 'begin', '22', '23', 'commit', 'begin', '24', 'commit']);
    await runner.stop();
  });

  it('applies topics that did not opt in one event at a time', async () => {
    const { runner, feed, log } = await started({});
    await feed(other, [envelope(1), envelope(2)]);
    expect(log).toEqual(['alone:20', 'alone:21']);
    await runner.stop();
  });

  it('rolls back a run with a failing event and applies its events again one at a time', async () => {
    const { runner, feed, log, deadLettered } = await started({
      handler: async (offset, shared) => {
        if (offset === '21' && !shared) throw new Error('payload breaks the contract');
        if (offset === '21') throw new Error('fails in the shared transaction too');
      },
    });
    const { resolved, commits } = await feed(topic, [envelope(1), envelope(2), envelope(3), envelope(4)]);
    // 20 ran in the rolled-back transaction, then again alone; 21 fails alone too and is dead-lettered.
    expect(log).toEqual(['begin', '20', 'rollback', 'alone:20', 'alone:22', 'alone:23']);
    expect(deadLettered).toEqual(['21']);
    expect(resolved).toEqual(['20', '21', '22', '23']);
    expect(commits).toEqual([{ topics: [{ topic, partitions: [{ partition: 1, offset: '24' }] }] }]);
    await runner.stop();
  });

  it('ends a shared run at a message that cannot be parsed, which is dead-lettered on its own', async () => {
    const { runner, feed, log, deadLettered } = await started({});
    await feed(topic, [envelope(1), envelope(2), Buffer.from('not json'), envelope(4, 2), envelope(5), envelope(6)]);
    expect(log).toEqual(['begin', '20', '21', 'commit', 'begin', '24', '25', 'commit']);
    expect(deadLettered).toEqual(['22', '23']);
    await runner.stop();
  });
  it('joins the runs of partitions that arrive during a shared transaction into the next one (group commit)', async () => {
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => (release = resolve));
    const { runner, feed, log } = await started({
      // The first transaction waits until the other partitions' batches have arrived.
      handler: async (offset) => {
        if (log.length === 1 && offset === '20') await held;
      },
    });
    const first = feed(topic, [envelope(1)], 0);
    await new Promise((resolve) => setImmediate(resolve));
    const second = feed(topic, [envelope(2)], 3);
    const third = feed(topic, [envelope(3), envelope(4)], 5);
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const results = await Promise.all([first, second, third]);
    // Offsets 20 of partition 0 first; then partition 3's 20 and partition 5's 20, 21 in one transaction.
    expect(log).toEqual(['begin', '20', 'commit', 'begin', '20', '20', '21', 'commit']);
    expect(results.map((r) => r.commits)).toEqual([
      [{ topics: [{ topic, partitions: [{ partition: 0, offset: '21' }] }] }],
      [{ topics: [{ topic, partitions: [{ partition: 3, offset: '21' }] }] }],
      [{ topics: [{ topic, partitions: [{ partition: 5, offset: '22' }] }] }],
    ]);
    await runner.stop();
  });
});
