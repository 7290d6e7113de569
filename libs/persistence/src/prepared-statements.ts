import pg from 'pg';

/** Distinct statement texts given a name at a time, process-wide; texts beyond it run unnamed. */
const MAX_NAMED_STATEMENTS = 500;
/** Longer texts are mostly one-offs (multi-row inserts, admin filters): not worth a server-side slot. */
const MAX_NAMED_TEXT_LENGTH = 4000;

const names = new Map<string, string>();
let lastName = 0;

function nameOf(text: string): string | undefined {
  let name = names.get(text);
  if (name === undefined && names.size < MAX_NAMED_STATEMENTS && text.length <= MAX_NAMED_TEXT_LENGTH) {
    lastName += 1;
    name = `shop_${lastName}`;
    names.set(text, name);
  }
  return name;
}

/** PostgreSQL's answer to a prepared statement whose result columns a migration changed since it was prepared. */
function isStaleResultType(error: unknown): boolean {
  return (
    error instanceof Error &&
    (error as { code?: string }).code === '0A000' &&
    error.message.includes('cached plan must not change result type')
  );
}

type QueryFunction = (this: pg.Client, config: unknown, values?: unknown, callback?: unknown) => unknown;
// Called with .call(client, ...) below, so its `this` is always the client.
// eslint-disable-next-line @typescript-eslint/unbound-method
const unnamedQuery = pg.Client.prototype.query as QueryFunction;

/**
 * A node-postgres client that runs parameterised statements as named prepared statements: PostgreSQL parses and
 * analyses each text once per connection, and after a few executions plans it once too, where an unnamed
 * statement pays all three every time (about a tenth of the box's CPU under load, measured with perf; see
 * docs/performance.md). Statements without parameters (BEGIN, COMMIT, DDL in migrations) stay unnamed, and the
 * set of texts is bounded, so a connection never holds more than MAX_NAMED_STATEMENTS of them at a time.
 *
 * PostgreSQL re-plans a prepared statement by itself when a migration changes a table it reads, except when the
 * statement's result columns change (SELECT * of a table that gained a column, during a rolling deploy): that
 * execution fails, and the text is given a new name, so its next execution, on any connection, prepares it
 * afresh. Not for use behind a transaction-pooling proxy that does not track prepared statements (PgBouncer
 * before 1.21).
 */
export class PreparingClient extends pg.Client {}

// Assigned rather than declared as a method: pg's overloads of query() cannot be overridden one by one.
(PreparingClient.prototype as unknown as { query: QueryFunction }).query = function query(config, values, callback) {
  if (typeof config !== 'string' || !Array.isArray(values) || values.length === 0 || callback !== undefined) {
    return unnamedQuery.call(this, config, values, callback);
  }
  const name = nameOf(config);
  if (name === undefined) return unnamedQuery.call(this, config, values);
  return (unnamedQuery.call(this, { name, text: config, values }) as Promise<unknown>).catch((error: unknown) => {
    if (isStaleResultType(error) && names.get(config) === name) names.delete(config);
    throw error;
  });
};
