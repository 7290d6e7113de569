import { AsyncLocalStorage, AsyncResource } from 'node:async_hooks';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * One transaction that several units of work join: a consumer applies a fetched batch of events in one commit
 * instead of one commit per event (see docs/decisions.md, "One transaction per consumed batch").
 */
interface SharedTransaction {
  dataSource: DataSource;
  manager: EntityManager;
  afterCommit: (() => void)[];
  /** The first failure of a unit of work, even one its caller caught: the shared transaction must not commit. */
  failure?: Error;
}

const current = new AsyncLocalStorage<SharedTransaction>();

/**
 * Runs `work` as one unit of work: inside the shared transaction when the caller runs in one (of the same data
 * source), otherwise in a transaction of its own. Code that may run in a shared transaction must reach the
 * database only through the manager it is given: a query on the data source would run on another connection,
 * blind to the shared transaction's uncommitted rows and able to wait on its locks forever.
 */
export async function inTransaction<T>(
  dataSource: DataSource,
  work: (manager: EntityManager) => Promise<T>,
): Promise<T> {
  const shared = current.getStore();
  if (!shared || shared.dataSource !== dataSource) return dataSource.transaction(work);
  try {
    return await work(shared.manager);
  } catch (error) {
    // PostgreSQL has aborted the transaction (or the work is half done): whoever catches this, nothing commits.
    shared.failure ??= error instanceof Error ? error : new Error(`unit of work failed: ${JSON.stringify(error)}`);
    throw error;
  }
}

/**
 * Runs `fn` once the current unit of work has committed: at once outside a shared transaction (call it after
 * inTransaction returned), after the shared commit inside one, never if the shared transaction rolls back. Side
 * effects that must not happen for work that is undone (metrics, "done" log lines, waking the outbox relay) go
 * here. `fn` keeps the caller's async context (its correlation id and trace).
 */
export function afterCommit(fn: () => void): void {
  const shared = current.getStore();
  if (shared) shared.afterCommit.push(AsyncResource.bind(fn));
  else fn();
}

/**
 * Runs `work` with one transaction that every inTransaction call of `dataSource` inside it joins, and commits it
 * once at the end. Rolls back and throws when `work` throws or when any unit of work failed, even if its caller
 * caught the error (a COMMIT of an aborted PostgreSQL transaction would silently roll back). The afterCommit
 * callbacks run after the commit, in order.
 */
export async function withSharedTransaction(dataSource: DataSource, work: () => Promise<void>): Promise<void> {
  const callbacks: (() => void)[] = [];
  await dataSource.transaction(async (manager) => {
    const shared: SharedTransaction = { dataSource, manager, afterCommit: callbacks };
    await current.run(shared, work);
    if (shared.failure) throw shared.failure;
  });
  for (const fn of callbacks) fn();
}
