import * as v8 from 'node:v8';
import * as vm from 'node:vm';
import type { Logger } from 'pino';

/** When a busy spell counts as over, and how often that is checked. */
export interface MemoryReleaseOptions {
  /** How often the process's CPU share is read. */
  intervalMs?: number;
  /** A share of one core at or above which the process counts as busy. */
  busyShare?: number;
  /**
   * A share of one core at or below which a process that was busy counts as quiet again. An idle service uses
   * 5-9 % of a core (outbox polls, payment-log sealing, Kafka heartbeats), so this sits above that.
   */
  quietShare?: number;
  /**
   * Growth of resident memory since the last collection (or start) after which a quiet reading collects even
   * without a busy one: work that never reached busyShare (sweeps, a trickle of requests) grows the heap too.
   */
  growthMb?: number;
}

/**
 * Gives memory back to the system once a busy spell is over: one memory-reducing garbage collection when the
 * process has been quiet for two readings after having been busy (or after its memory grew by growthMb since the
 * last one), never while it works and never twice for one spell.
 *
 * Why: V8 keeps the pages its heap grew into under load. After a bench the payment-gateway stayed at 280 MB
 * resident for minutes with 43 MB of live heap, while idle services should stay under 120 MB; V8 only shrinks the
 * heap on its own when later allocation gives it a reason. A memory-reducing collection (what V8 does under
 * memory pressure) compacts the heap and releases its free pages: 280 MB to 135 MB there. It pauses the process
 * for tens of milliseconds, which is why it waits for a quiet moment.
 */
export class IdleMemoryRelease {
  private timer?: NodeJS.Timeout;
  private lastCpu = 0;
  private lastAt = 0;
  private busySinceRelease = false;
  private rssAfterRelease = 0;
  private quietReadings = 0;
  private readonly intervalMs: number;
  private readonly busyShare: number;
  private readonly quietShare: number;
  private readonly growthBytes: number;

  constructor(
    private readonly collect: () => void,
    private readonly logger: Logger,
    options: MemoryReleaseOptions = {},
    private readonly readCpuMicros: () => number = () => {
      const usage = process.cpuUsage();
      return usage.user + usage.system;
    },
    private readonly now: () => number = () => Date.now(),
    private readonly readRss: () => number = () => process.memoryUsage.rss(),
  ) {
    this.intervalMs = options.intervalMs ?? 5_000;
    this.busyShare = options.busyShare ?? 0.25;
    this.quietShare = options.quietShare ?? 0.15;
    this.growthBytes = (options.growthMb ?? 16) * 1024 * 1024;
  }

  start(): void {
    this.lastCpu = this.readCpuMicros();
    this.lastAt = this.now();
    this.rssAfterRelease = this.readRss();
    this.timer = setInterval(() => this.check(), this.intervalMs);
    this.timer.unref(); // never what keeps a process alive
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** One reading: the CPU share since the last one decides busy, quiet (and release), or neither. */
  check(): void {
    const cpu = this.readCpuMicros();
    const at = this.now();
    const elapsedMicros = Math.max(1, (at - this.lastAt) * 1000);
    const share = (cpu - this.lastCpu) / elapsedMicros;
    this.lastCpu = cpu;
    this.lastAt = at;
    if (share >= this.busyShare) {
      this.busySinceRelease = true;
      this.quietReadings = 0;
      return;
    }
    if (share > this.quietShare) {
      this.quietReadings = 0;
      return;
    }
    // Two quiet readings in a row (10 s): a pause that lands on the first requests of a new burst costs them the
    // collection's time, so it waits until the quiet looks settled.
    this.quietReadings += 1;
    if (this.quietReadings < 2) return;
    const before = this.readRss();
    if (!this.busySinceRelease && before < this.rssAfterRelease + this.growthBytes) return;
    this.busySinceRelease = false;
    const started = performance.now();
    this.collect();
    this.rssAfterRelease = this.readRss();
    this.logger.info(
      {
        rssMbBefore: Math.round(before / 1048576),
        rssMbAfter: Math.round(this.rssAfterRelease / 1048576),
        ms: Math.round(performance.now() - started),
      },
      'quiet again: memory given back',
    );
  }
}

/**
 * V8's memory-reducing full collection (`flavor: 'last-resort'`, what it runs under memory pressure), without
 * exposing `gc` to the process: the flag is on only while a fresh context picks the function up.
 */
export function memoryReducingCollector(): () => void {
  const exposed = (globalThis as { gc?: (options: object) => void }).gc;
  if (exposed) return () => exposed({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  v8.setFlagsFromString('--expose-gc');
  const gc = vm.runInNewContext('gc') as (options: object) => void;
  v8.setFlagsFromString('--no-expose-gc');
  return () => gc({ type: 'major', execution: 'sync', flavor: 'last-resort' });
}
