import { fixKafkaRequestQueue, kafkaRequestQueueClass } from './kafkajs-request-queue.fix';

// The real kafkajs RequestQueue, with the fix applied as createKafka applies it.
const RequestQueue = kafkaRequestQueueClass() as unknown as new (options: object) => {
  pending: unknown[];
  inflight: Map<number, unknown>;
  throttledUntil: number;
  maxInFlightRequests: number | null;
  checkPendingRequests(): void;
  destroy(): void;
};
const logger = { debug: () => undefined, warn: () => undefined, error: () => undefined, info: () => undefined };

function queue() {
  return new RequestQueue({
    maxInFlightRequests: 1,
    requestTimeout: 30_000,
    enforceRequestTimeout: false,
    clientId: 'test',
    broker: 'localhost:9092',
    logger,
  });
}

describe('kafkajs request queue fix', () => {
  beforeAll(() => fixKafkaRequestQueue());
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('arms no timer when nothing waits (kafkajs 2.2.4 re-armed a 1 ms timer after every answer)', () => {
    const q = queue();
    q.checkPendingRequests(); // what every answer from the broker ends with
    expect(jest.getTimerCount()).toBe(0);
    q.destroy();
  });

  it('still sends a waiting request when a throttle ends', () => {
    const q = queue();
    const sent: string[] = [];
    q.throttledUntil = Date.now() + 250;
    q.pending.push({ correlationId: 1, send: () => sent.push('sent') });
    // The queue sends through sendSocketRequest; watch it rather than a socket.
    (q as unknown as { sendSocketRequest: (r: { send: () => void }) => void }).sendSocketRequest = (r) => r.send();
    q.checkPendingRequests();
    expect(sent).toEqual([]);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(249);
    expect(sent).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(sent).toEqual(['sent']);
    expect(jest.getTimerCount()).toBe(0);
    q.destroy();
  });

  it('checks a full queue again after 10 ms, and stops once it is empty', () => {
    const q = queue();
    const sent: string[] = [];
    q.inflight.set(7, {}); // the one request allowed in flight
    q.pending.push({ correlationId: 2, send: () => sent.push('sent') });
    (q as unknown as { sendSocketRequest: (r: { send: () => void }) => void }).sendSocketRequest = (r) => r.send();
    q.checkPendingRequests();
    expect(jest.getTimerCount()).toBe(1);
    q.inflight.clear();
    jest.advanceTimersByTime(10);
    expect(sent).toEqual(['sent']);
    expect(jest.getTimerCount()).toBe(0);
    q.destroy();
  });
});
