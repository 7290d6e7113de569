import { GroupCommit, type GroupCommitWriter } from './group-commit';

interface Item {
  readonly id: string;
  readonly keys?: string[];
  readonly bad?: boolean;
}

/** A writer whose statements finish when the test says so, recording what each one carried. */
class ScriptedWriter implements GroupCommitWriter<Item, string> {
  readonly statements: string[][] = [];
  private readonly finishers: (() => void)[] = [];
  failGroups = false;
  shortResults = false;

  writeGroup(items: readonly Item[]): Promise<readonly string[]> {
    return this.statement(
      items.map((item) => item.id),
      () => {
        if (this.failGroups || items.some((item) => item.bad)) throw new Error('group refused');
        const results = items.map((item) => `wrote ${item.id}`);
        return this.shortResults ? results.slice(1) : results;
      },
    );
  }

  writeOne(item: Item): Promise<string> {
    return this.statement([item.id], () => {
      if (item.bad) throw new Error(`${item.id} refused`);
      return `wrote ${item.id}`;
    });
  }

  keysOf(item: Item): readonly string[] {
    return item.keys ?? [item.id];
  }

  /** Lets the oldest running statement finish. */
  async finishOne(): Promise<void> {
    const finish = this.finishers.shift();
    if (finish === undefined) throw new Error('no statement is running');
    finish();
    await new Promise((resolve) => setImmediate(resolve));
  }

  async finishAll(): Promise<void> {
    while (this.finishers.length > 0) await this.finishOne();
  }

  get running(): number {
    return this.finishers.length;
  }

  private statement<T>(ids: string[], outcome: () => T): Promise<T> {
    this.statements.push(ids);
    return new Promise<T>((resolve, reject) => {
      this.finishers.push(() => {
        try {
          resolve(outcome());
        } catch (error) {
          reject(error instanceof Error ? error : new Error(String(error)));
        }
      });
    });
  }
}

const settle = <T>(promise: Promise<T>) =>
  promise.then(
    (value) => ({ value }),
    (error: Error) => ({ error: error.message }),
  );

describe('GroupCommit', () => {
  it('writes a lone item at once, alone', async () => {
    const writer = new ScriptedWriter();
    const commit = new GroupCommit(writer, { maxGroup: 10, maxInFlight: 1 });
    const result = commit.submit({ id: 'a' });
    expect(writer.statements).toEqual([['a']]);
    await writer.finishAll();
    await expect(result).resolves.toBe('wrote a');
  });

  it('writes what arrived during a statement together in the next one, each caller getting its own result', async () => {
    const writer = new ScriptedWriter();
    const commit = new GroupCommit(writer, { maxGroup: 10, maxInFlight: 1 });
    const first = commit.submit({ id: 'a' });
    const rest = ['b', 'c', 'd'].map((id) => commit.submit({ id }));
    expect(writer.statements).toEqual([['a']]);
    expect(commit.waiting).toBe(3);
    let settled = false;
    void Promise.all(rest).then(() => (settled = true));
    await writer.finishOne();
    await expect(first).resolves.toBe('wrote a');
    expect(writer.statements).toEqual([['a'], ['b', 'c', 'd']]);
    // Not before its own statement has returned.
    expect(settled).toBe(false);
    await writer.finishAll();
    await expect(Promise.all(rest)).resolves.toEqual(['wrote b', 'wrote c', 'wrote d']);
  });

  it('keeps to maxGroup and maxInFlight, oldest first', async () => {
    const writer = new ScriptedWriter();
    const commit = new GroupCommit(writer, { maxGroup: 2, maxInFlight: 2 });
    const all = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => commit.submit({ id }));
    // a and b each found a free slot; the others wait.
    expect(writer.statements).toEqual([['a'], ['b']]);
    await writer.finishOne();
    expect(writer.statements).toEqual([['a'], ['b'], ['c', 'd']]);
    expect(writer.running).toBe(2);
    await writer.finishOne();
    expect(writer.statements).toEqual([['a'], ['b'], ['c', 'd'], ['e', 'f']]);
    await writer.finishAll();
    await expect(Promise.all(all)).resolves.toHaveLength(6);
  });

  it('never puts two items with a key in common in one statement; the later one waits for the next', async () => {
    const writer = new ScriptedWriter();
    const commit = new GroupCommit(writer, { maxGroup: 10, maxInFlight: 1 });
    const all = [
      commit.submit({ id: 'first' }),
      commit.submit({ id: 'x1', keys: ['notification:1', 'event:9'] }),
      commit.submit({ id: 'x2', keys: ['notification:2', 'event:9'] }),
      commit.submit({ id: 'y', keys: ['notification:3'] }),
      commit.submit({ id: 'x3', keys: ['notification:1'] }),
    ];
    await writer.finishOne();
    expect(writer.statements[1]).toEqual(['x1', 'y']);
    await writer.finishOne();
    expect(writer.statements[2]).toEqual(['x2', 'x3']);
    await writer.finishAll();
    await expect(Promise.all(all)).resolves.toHaveLength(5);
  });

  it('writes each item of a refused group alone: only the bad item fails, with its own error', async () => {
    const writer = new ScriptedWriter();
    const commit = new GroupCommit(writer, { maxGroup: 10, maxInFlight: 1 });
    const first = commit.submit({ id: 'first' });
    const results = [
      settle(commit.submit({ id: 'a' })),
      settle(commit.submit({ id: 'bad', bad: true })),
      settle(commit.submit({ id: 'c' })),
    ];
    await writer.finishOne();
    await writer.finishOne(); // the group, refused
    expect(writer.statements.slice(2)).toEqual([['a'], ['bad'], ['c']]);
    await writer.finishAll();
    await first;
    await expect(Promise.all(results)).resolves.toEqual([
      { value: 'wrote a' },
      { error: 'bad refused' },
      { value: 'wrote c' },
    ]);
  });

  it('writes each alone after a group fails for no item of its own (a deadlock, a lost connection)', async () => {
    const writer = new ScriptedWriter();
    const commit = new GroupCommit(writer, { maxGroup: 10, maxInFlight: 1 });
    const first = commit.submit({ id: 'first' });
    const rest = ['a', 'b'].map((id) => commit.submit({ id }));
    writer.failGroups = true;
    await writer.finishOne();
    await writer.finishAll();
    await first;
    await expect(Promise.all(rest)).resolves.toEqual(['wrote a', 'wrote b']);
    expect(writer.statements).toEqual([['first'], ['a', 'b'], ['a'], ['b']]);
  });

  it('refuses every item of a group whose results do not match it, rather than giving one the wrong result', async () => {
    const writer = new ScriptedWriter();
    const commit = new GroupCommit(writer, { maxGroup: 10, maxInFlight: 1 });
    const first = commit.submit({ id: 'first' });
    const rest = ['a', 'b'].map((id) => settle(commit.submit({ id })));
    writer.shortResults = true;
    await writer.finishAll();
    await first;
    const error = 'a group of 2 was written but 1 results came back';
    await expect(Promise.all(rest)).resolves.toEqual([{ error }, { error }]);
  });

  it('refuses limits below one', () => {
    expect(() => new GroupCommit(new ScriptedWriter(), { maxGroup: 0, maxInFlight: 1 })).toThrow(RangeError);
    expect(() => new GroupCommit(new ScriptedWriter(), { maxGroup: 1, maxInFlight: 0 })).toThrow(RangeError);
  });
});
