import { ReplyError } from 'ioredis';
import { AppError } from '../../shared/errors';
import { redisUnavailable } from './errors';

/** The classification alone; store-unavailable.test.ts provokes the real conditions. */
const coded = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:6379`), { code });
const named = (name: string, message: string) => Object.assign(new Error(message), { name });

it.each([
  ['Command timed out', new Error('Command timed out'), 'command timeout'],
  ['Connection is closed.', new Error('Connection is closed.'), 'connection closed'],
  ['MaxRetriesPerRequestError', named('MaxRetriesPerRequestError', 'Reached the max retries per request limit (which is 2).'), 'server unreachable'],
  ['ECONNREFUSED', coded('ECONNREFUSED'), 'connection refused'],
  ['ECONNRESET', coded('ECONNRESET'), 'network error ECONNRESET'],
  ['LOADING', new ReplyError('LOADING Redis is loading the dataset in memory'), 'server replied LOADING'],
  ['READONLY', new ReplyError("READONLY You can't write against a read only replica."), 'server replied READONLY'],
  ['OOM', new ReplyError("OOM command not allowed when used memory > 'maxmemory'."), 'server replied OOM'],
  ['OOM from a script (Redis 7)', new ReplyError("OOM command not allowed when used memory > 'maxmemory'. script: 0e5b, on @user_script:12."), 'server replied OOM'],
  ['OOM from a script (Redis 6)', new ReplyError("ERR Error running script (call to f_0e5b): @user_script:12: @user_script: 12: -OOM command not allowed when used memory > 'maxmemory'. "), 'server replied OOM'],
])('%s is a 503 store_unavailable', (_, e, why) => {
  const mapped = redisUnavailable(e, 'put');
  expect(mapped).toBeInstanceOf(AppError);
  expect(mapped).toMatchObject({ code: 'store_unavailable', status: 503, retryable: true, expose: true, headers: { 'retry-after': '1' }, cause: e });
  expect((mapped as AppError).message).toBe(`Redis state store unavailable during put (${why}); retry shortly`);
});

it.each([
  ['a script error', new ReplyError('ERR user_script:1: Script attempted to access nonexistent global variable')],
  ['a script error naming OOM in its text', new ReplyError('ERR Error running script (call to f_0e5b): @user_script:3: user_script:3: OOM is not a command')],
  ['WRONGTYPE', new ReplyError('WRONGTYPE Operation against a key holding the wrong kind of value')],
  ['BUSYKEY (not BUSY)', new ReplyError('BUSYKEY Target key name already exists.')],
  ['a failed AUTH: configuration, not an outage', new ReplyError('WRONGPASS invalid username-password pair or user is disabled.')],
  ['a RangeError', new RangeError('newVersion: a non-empty string of at most 64 characters')],
])('%s stays as it is', (_, e) => {
  expect(redisUnavailable(e, 'put')).toBe(e);
});
