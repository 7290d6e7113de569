/** How a GroupCommit writes: a whole group in one statement, or one item alone. */
export interface GroupCommitWriter<I, O> {
  /**
   * Writes the items in ONE statement (one commit: all of them or none) and answers one result per item, in the
   * items' order.
   */
  writeGroup(items: readonly I[]): Promise<readonly O[]>;
  /** Writes one item alone: a group of one, and each item of a group that failed, so one bad item fails only itself. */
  writeOne(item: I): Promise<O>;
  /**
   * The keys an item writes under (a unique key it inserts, say). Two items with a key in common never share a
   * group: which of them a single statement would write first is not defined, so the later one waits for the next
   * group and sees the first one's row as any later request would.
   */
  keysOf(item: I): readonly string[];
}

export interface GroupCommitOptions {
  /** The most items in one statement. */
  readonly maxGroup: number;
  /** The most statements in flight at once (each holds a pooled connection while it runs). */
  readonly maxInFlight: number;
}

interface Pending<I, O> {
  readonly item: I;
  readonly resolve: (result: O) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Group commit across concurrent requests: items submitted while the statements in flight run are written
 * together, in one statement and one commit, as soon as a statement returns. No timer: a request that finds a
 * statement slot free is written at once, alone, so a quiet system answers as fast as before, and a busy one
 * shares each commit (and its round trip, its WAL flush and its wake-ups) among every request that arrived during
 * the previous one. A caller's promise settles when its own item is committed (or refused), never before.
 *
 * If a group's statement fails, each of its items is written alone: one item the database refuses (or a deadlock
 * with a concurrent writer) costs the others a retry, never their write, and the refused item gets its own error.
 */
export class GroupCommit<I, O> {
  private queue: Pending<I, O>[] = [];
  private inFlight = 0;

  constructor(
    private readonly writer: GroupCommitWriter<I, O>,
    private readonly options: GroupCommitOptions,
  ) {
    if (!(options.maxGroup >= 1 && options.maxInFlight >= 1)) {
      throw new RangeError('GroupCommit needs maxGroup >= 1 and maxInFlight >= 1');
    }
  }

  /** Writes the item with whatever else is waiting; settles with its own result once that is committed. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      this.drain();
    });
  }

  /** Items waiting for a statement slot (for tests and metrics). */
  get waiting(): number {
    return this.queue.length;
  }

  private drain(): void {
    while (this.inFlight < this.options.maxInFlight && this.queue.length > 0) {
      const group = this.takeGroup();
      this.inFlight += 1;
      void this.write(group).finally(() => {
        this.inFlight -= 1;
        this.drain();
      });
    }
  }

  /** The oldest waiting items, up to maxGroup, none sharing a key; the rest keep their place in the queue. */
  private takeGroup(): Pending<I, O>[] {
    const group: Pending<I, O>[] = [];
    const rest: Pending<I, O>[] = [];
    const keys = new Set<string>();
    for (const pending of this.queue) {
      const itemKeys = group.length < this.options.maxGroup ? this.writer.keysOf(pending.item) : undefined;
      if (itemKeys === undefined || itemKeys.some((key) => keys.has(key))) {
        rest.push(pending);
        continue;
      }
      for (const key of itemKeys) keys.add(key);
      group.push(pending);
    }
    this.queue = rest;
    return group;
  }

  private async write(group: Pending<I, O>[]): Promise<void> {
    if (group.length > 1) {
      let results: readonly O[] | undefined;
      try {
        results = await this.writer.writeGroup(group.map((pending) => pending.item));
      } catch {
        // Each item alone, below: the error belongs to one of them (or to none, a deadlock), not to the group.
      }
      if (results !== undefined) {
        if (results.length !== group.length) {
          const error = new Error(`a group of ${group.length} was written but ${results.length} results came back`);
          for (const pending of group) pending.reject(error);
          return;
        }
        group.forEach((pending, index) => pending.resolve(results[index]));
        return;
      }
    }
    await Promise.all(
      group.map(async (pending) => {
        try {
          pending.resolve(await this.writer.writeOne(pending.item));
        } catch (error) {
          pending.reject(error);
        }
      }),
    );
  }
}
