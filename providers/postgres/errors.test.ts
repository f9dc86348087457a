import { AppError } from '../../shared/errors';
import { postgresUnavailable } from './errors';

/** The classification alone; store-unavailable.test.ts provokes the real conditions. */
const coded = (code: string, message = 'x') => Object.assign(new Error(message), { code });

it.each([
  ['57014', 'statement timeout'],
  ['57P01', 'server shutting down'],
  ['57P05', 'idle session timeout'],
  ['53300', 'too many connections'],
  ['08006', 'connection failure'],
  ['08P01', 'connection failure'],
  ['40001', 'contention'],
  ['ECONNRESET', 'network error ECONNRESET'],
])('SQLSTATE or errno %s is a 503 store_unavailable (%s)', (code, why) => {
  const e = postgresUnavailable(coded(code), 'get');
  expect(e).toBeInstanceOf(AppError);
  expect(e).toMatchObject({ code: 'store_unavailable', status: 503, retryable: true, headers: { 'retry-after': '1' } });
  expect((e as AppError).message).toBe(`PostgreSQL state store unavailable during get (${why}); retry shortly`);
});

it.each([
  'Connection terminated unexpectedly',
  'Connection terminated due to connection timeout',
  'timeout exceeded when trying to connect',
  'Query read timeout',
])('pg\'s uncoded "%s" is a 503', (message) => {
  expect(postgresUnavailable(new Error(message), 'put')).toMatchObject({ code: 'store_unavailable' });
});

it('an AggregateError of refused addresses (localhost: ::1 and 127.0.0.1) is a 503', () => {
  const e = new AggregateError([coded('ECONNREFUSED'), coded('ECONNREFUSED')], 'connect failed');
  expect(postgresUnavailable(e, 'list')).toMatchObject({ code: 'store_unavailable', message: expect.stringContaining('connection refused') });
});

it.each([
  ['bad SQL (42601)', coded('42601', 'syntax error')],
  ['a missing table (42P01)', coded('42P01')],
  ['a failed password (28P01): configuration, not an outage', coded('28P01')],
  ['a deadlock after the store\'s own retries (40P01)', coded('40P01')],
  ['a TypeError', new TypeError('bad')],
  ['an unknown host (ENOTFOUND)', coded('ENOTFOUND')],
])('%s stays as it is', (_, e) => {
  expect(postgresUnavailable(e, 'put')).toBe(e);
});
