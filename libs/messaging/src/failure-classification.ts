import { ContractViolationError } from '@shop/contracts';

/**
 * What a handler's failure says about retrying the message:
 * - transient: the environment failed (database down, failing over, overloaded, a lock or serialization
 *   conflict); the message itself is fine and will apply once the environment recovers, so it is retried for as
 *   long as that takes and never dead-lettered;
 * - permanent: the message fails the same way every time (it breaks its contract); dead-lettered at once;
 * - unknown: anything else; retried a bounded number of times, then dead-lettered.
 */
export type FailureKind = 'transient' | 'permanent' | 'unknown';

/** Marks a failure that no retry can fix, so the consumer dead-letters the message at once. */
export class PermanentFailureError extends Error {
  readonly code = 'PERMANENT_FAILURE';
  constructor(message: string) {
    super(message);
    this.name = 'PermanentFailureError';
  }
}

// SQLSTATE classes and codes that describe the server or the connection, never the statement's data:
// 08 connection exception, 53 insufficient resources, 57P01-57P03 shutdown / crash / cannot connect now,
// 57014 statement timeout or cancel, 40001 serialization failure, 40P01 deadlock, 55P03 lock not available,
// 3D000 database does not exist (a restore or a failover to a replica being set up), 28 authentication (a
// rotated password fails every message alike: dead-lettering them all would be the wrong cure).
const TRANSIENT_SQLSTATE_CLASSES = ['08', '53', '28'];
const TRANSIENT_SQLSTATES = new Set(['57P01', '57P02', '57P03', '57P05', '57014', '40001', '40P01', '55P03', '3D000']);

// Socket-level errors (Node system errors) and our own codes for a dependency that cannot be reached.
const TRANSIENT_SYSCALL_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  // @shop/persistence's operator-facing wrapper of the above.
  'POSTGRES_UNAVAILABLE',
  // A payment provider that did not answer (@shop/providers): its outage says nothing about the event either.
  'PROVIDER_UNAVAILABLE',
  'PROVIDER_TIMEOUT',
]);

// Errors without a code that pg and pg-pool raise when a connection dies or cannot be had.
const TRANSIENT_MESSAGES = [
  /connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /connection is not (yet )?established/i,
  /client has encountered a connection error/i,
  /cannot use a pool after calling end/i,
  /query read timeout/i,
  /client was closed and is not queryable/i,
];

// 55000 (object not in prerequisite state) is mostly a statement-level refusal; only this message of it means
// "the database is closed to connections for now" (ALTER DATABASE ... ALLOW_CONNECTIONS false, a restore).
const NOT_ACCEPTING_CONNECTIONS = /is not currently accepting connections/i;

/** Decides whether a handler's failure is worth retrying, and for how long (see FailureKind). */
export function classifyFailure(error: unknown): FailureKind {
  // The outermost error that says something decides: a wrapper that marks a failure permanent wins over its cause.
  for (const candidate of causes(error)) {
    const kind = classifyOne(candidate);
    if (kind !== undefined) return kind;
  }
  return 'unknown';
}

function classifyOne(error: unknown): Exclude<FailureKind, 'unknown'> | undefined {
  if (error instanceof ContractViolationError || error instanceof PermanentFailureError) return 'permanent';
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, retriable, name } = error as {
    code?: unknown;
    message?: unknown;
    retriable?: unknown;
    name?: unknown;
  };
  if (typeof code === 'string') {
    if (TRANSIENT_SQLSTATES.has(code) || TRANSIENT_SYSCALL_CODES.has(code)) return 'transient';
    if (/^[0-9A-Z]{5}$/.test(code) && TRANSIENT_SQLSTATE_CLASSES.includes(code.slice(0, 2))) return 'transient';
    if (code === '55000' && typeof message === 'string' && NOT_ACCEPTING_CONNECTIONS.test(message)) {
      return 'transient';
    }
  }
  // kafkajs marks its own errors (a handler publishing through Kafka) as retriable or not.
  if (typeof name === 'string' && name.startsWith('KafkaJS') && retriable === true) return 'transient';
  if (typeof message === 'string' && TRANSIENT_MESSAGES.some((pattern) => pattern.test(message))) {
    return 'transient';
  }
  return undefined;
}

// TypeORM wraps the driver's error (QueryFailedError.driverError); Error.cause and AggregateError (a connect
// that tried IPv4 and IPv6) wrap others. The walk is bounded so a cyclic cause cannot hang it.
function causes(error: unknown): unknown[] {
  const found: unknown[] = [];
  const queue: unknown[] = [error];
  while (queue.length > 0 && found.length < 16) {
    const next = queue.shift();
    if (next === undefined || next === null || found.includes(next)) continue;
    found.push(next);
    if (typeof next !== 'object') continue;
    const { driverError, cause, errors } = next as { driverError?: unknown; cause?: unknown; errors?: unknown };
    queue.push(driverError, cause);
    if (Array.isArray(errors)) queue.push(...(errors as unknown[]));
  }
  return found;
}
