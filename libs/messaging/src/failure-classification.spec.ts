import { KafkaJSConnectionError, KafkaJSNonRetriableError } from 'kafkajs';
import { DatabaseError } from 'pg';
import { QueryFailedError } from 'typeorm';
import { ContractViolationError } from '@shop/contracts';
import { classifyFailure, PermanentFailureError } from './failure-classification';

function pgError(code: string, message: string): DatabaseError {
  const error = new DatabaseError(message, message.length, 'error');
  error.code = code;
  return error;
}

function systemError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: 'connect' });
}

describe('classifyFailure', () => {
  it.each([
    ['a refused connection', systemError('ECONNREFUSED')],
    ['a reset connection', systemError('ECONNRESET')],
    ['a connect timeout', systemError('ETIMEDOUT')],
    ['a broken pipe', systemError('EPIPE')],
    [
      'a terminated backend (57P01 admin_shutdown)',
      pgError('57P01', 'terminating connection due to administrator command'),
    ],
    ['a crash shutdown (57P02)', pgError('57P02', 'terminating connection because of crash of another server process')],
    ['a starting server (57P03 cannot_connect_now)', pgError('57P03', 'the database system is starting up')],
    ['a connection exception (08006)', pgError('08006', 'connection failure')],
    [
      'a database closed to connections (55000, ALLOW_CONNECTIONS false)',
      pgError('55000', 'database "shop" is not currently accepting connections'),
    ],
    ['a missing database (3D000)', pgError('3D000', 'database "shop" does not exist')],
    ['a serialization failure (40001)', pgError('40001', 'could not serialize access due to concurrent update')],
    ['a deadlock (40P01)', pgError('40P01', 'deadlock detected')],
    ['a lock timeout (55P03)', pgError('55P03', 'canceling statement due to lock timeout')],
    ['too many connections (53300)', pgError('53300', 'sorry, too many clients already')],
    ['a statement timeout (57014)', pgError('57014', 'canceling statement due to statement timeout')],
    ['a failed password after a rotation (28P01)', pgError('28P01', 'password authentication failed for user "shop"')],
    ['pg losing its connection', new Error('Connection terminated unexpectedly')],
    ['pg-pool finding no connection in time', new Error('timeout exceeded when trying to connect')],
    ['a deadlock wrapped by TypeORM', new QueryFailedError('UPDATE orders', [], pgError('40P01', 'deadlock detected'))],
    ['a refused connect wrapped in a cause', new Error('transaction failed', { cause: systemError('ECONNREFUSED') })],
    ['a refused connect on every address', new AggregateError([systemError('ECONNREFUSED')], 'connect failed')],
    ['a retriable Kafka error', new KafkaJSConnectionError('Connection timeout')],
    [
      'a payment provider that cannot be reached',
      Object.assign(new Error('WeChat Pay close could not be reached'), { code: 'PROVIDER_UNAVAILABLE' }),
    ],
    [
      'a payment provider that timed out',
      Object.assign(new Error('Alipay query timed out'), { code: 'PROVIDER_TIMEOUT' }),
    ],
  ])('retries %s until it succeeds', (_, error) => {
    expect(classifyFailure(error)).toBe('transient');
  });

  it.each([
    ['a payload that breaks its contract', new ContractViolationError('PaymentSucceededV1: amount must be an integer')],
    ['a failure marked permanent', new PermanentFailureError('unknown event version 3')],
    [
      'a permanent wrapper around a transient cause',
      Object.assign(new PermanentFailureError('refused'), { cause: systemError('ECONNREFUSED') }),
    ],
  ])('dead-letters %s at once', (_, error) => {
    expect(classifyFailure(error)).toBe('permanent');
  });

  it.each([
    ['a plain error', new Error('ledger account missing')],
    ['a payment provider refusing the request', Object.assign(new Error('refused'), { code: 'PROVIDER_REJECTED' })],
    ['a constraint violation (23505): the same row collides every time', pgError('23505', 'duplicate key value')],
    ['another 55000 refusal', pgError('55000', 'cannot execute this in the current state')],
    ['a non-retriable Kafka error', new KafkaJSNonRetriableError('topic authorization failed')],
    ['a thrown string', 'boom'],
    ['undefined', undefined],
  ])('retries %s a bounded number of times (unknown)', (_, error) => {
    expect(classifyFailure(error)).toBe('unknown');
  });

  it('survives a cyclic cause chain', () => {
    const a = new Error('a');
    const b = new Error('b', { cause: a });
    Object.assign(a, { cause: b });
    expect(classifyFailure(a)).toBe('unknown');
  });
});
