// kafkajs 2.2.4 (its last release) re-arms a timer in every broker connection's request queue after each answer,
// whether or not a request waits: with nothing throttled the delay is negative, which Node runs as 1 ms. Every
// connection of every service then wakes its event loop about a thousand times a second, forever: 1,300-1,600
// epoll wake-ups a second and 5-9 % of a core per idle service here, and the same loop under load
// (kafkajs issues #1556 and #1704; Node 24 reports it as TimeoutNegativeWarning). The replacement below schedules a
// check only when a request waits: at the end of a throttle, or after the 10 ms kafkajs uses when the queue is
// merely full (an answer checks it again anyway). A request pushed later schedules its own check, so nothing
// waits for a timer that is no longer there.

/** The part of kafkajs's RequestQueue this fix touches. */
interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: NodeJS.Timeout | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

// kafkajs's own interval for a full (not throttled) queue.
const CHECK_PENDING_REQUESTS_INTERVAL_MS = 10;
const FIXED = Symbol.for('shop.kafkajs.requestQueueFixed');

/** kafkajs's RequestQueue class (internal: not in its public exports, hence the path). */
export function kafkaRequestQueueClass(): { prototype: RequestQueueInternals } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require('kafkajs/src/network/requestQueue') as { prototype: RequestQueueInternals };
}

/** Replaces scheduleCheckPendingRequests once per process; every queue, existing or future, gets it. */
export function fixKafkaRequestQueue(): void {
  const prototype = kafkaRequestQueueClass().prototype as RequestQueueInternals & { [FIXED]?: true };
  if (prototype[FIXED]) return;
  prototype.scheduleCheckPendingRequests = function scheduleCheckPendingRequests(this: RequestQueueInternals) {
    if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
    const throttledFor = this.throttledUntil - Date.now();
    this.throttleCheckTimeoutId = setTimeout(
      () => {
        this.throttleCheckTimeoutId = null;
        this.checkPendingRequests();
      },
      throttledFor > 0 ? throttledFor : CHECK_PENDING_REQUESTS_INTERVAL_MS,
    );
  };
  prototype[FIXED] = true;
}
