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
