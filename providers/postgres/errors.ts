import { guardStore, storeUnavailable } from '../../shared/store/unavailable';

/**
 * Which driver errors mean "PostgreSQL is not reachable or not answering right now" (a retry may
 * succeed), named by a short fixed reason. Everything else (bad SQL, constraint errors, a
 * TypeError from the store itself) is a programming error and stays as it is.
 *
 * SQLSTATEs (https://www.postgresql.org/docs/current/errcodes-appendix.html): class 08
 * connection exception; 57014 query_canceled (our statement_timeout); 57P01 admin_shutdown
 * (also pg_terminate_backend), 57P02 crash_shutdown, 57P03 cannot_connect_now (starting up,
 * recovery), 57P05 idle_session_timeout (PostgreSQL 14+: the server ends a pooled connection
 * just as a query is sent on it); 53300 too_many_connections; 55P03 lock_not_available (lock_timeout, if the role
 * sets one); 40001 serialization_failure. A Map: a code is the server's text, and `constructor` is no SQLSTATE.
 */
const SQLSTATES: ReadonlyMap<string, string> = new Map([
  ['57014', 'statement timeout'],
  ['57P01', 'server shutting down'],
  ['57P02', 'server crashed'],
  ['57P03', 'server not accepting connections yet'],
  ['57P05', 'idle session timeout'],
  ['53300', 'too many connections'],
  ['55P03', 'lock not available'],
  // A serialization failure the store still met after its own retries (REPEATABLE READ or
  // SERIALIZABLE by default): contention, as DynamoDB's and Firestore's after theirs. A deadlock
  // (40P01) stays as it is: batches lock in key order, so one would be a bug.
  ['40001', 'contention'],
]);
/** Socket errors from Node (node:net, DNS). ENOTFOUND is left out: a wrong host is configuration. */
const ERRNOS = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);
/**
 * Errors pg and pg-pool raise without a code (pg 8 lib/client.js, pg-pool index.js): the
 * connection ended under a query, the connect timeout (the pool's and the client's own), the
 * pool's checkout timeout while every connection is busy, the client-side query timeout.
 */
const MESSAGES: [RegExp, string][] = [
  [/^Connection terminated due to connection timeout/, 'connect timeout'],
  [/^timeout expired$/, 'connect timeout'],
  [/^timeout exceeded when trying to connect$/, 'no free connection in time'],
  [/^Query read timeout$/, 'query timeout'],
  [/^Connection terminated/, 'connection lost'],
  [/^Client has encountered a connection error and is not queryable$/, 'connection lost'],
];

function reason(e: unknown): string | undefined {
  // Duck-typed, not `instanceof Error`: socket errors are made by Node's core, whose Error can be
  // another realm's (a vm context, as under jest).
  if (typeof e !== 'object' || e === null) return undefined;
  const { code, message, errors } = e as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string') {
    const state = SQLSTATES.get(code);
    if (state) return state;
    if (/^08[0-9A-Z]{3}$/.test(code)) return 'connection failure';
    if (ERRNOS.has(code)) return code === 'ECONNREFUSED' ? 'connection refused' : `network error ${code}`;
  }
  // Node's happy-eyeballs connect reports every address it tried in one AggregateError.
  if (Array.isArray(errors)) return errors.map(reason).find((r) => r !== undefined);
  return typeof message === 'string' ? MESSAGES.find(([re]) => re.test(message))?.[1] : undefined;
}

/** A transient driver error as store_unavailable (shared/store/unavailable.ts); others unchanged. */
export const postgresUnavailable = (e: unknown, op: string): unknown => storeUnavailable('PostgreSQL', op, e, reason);

/** Runs one store operation, turning a transient driver error into store_unavailable. */
export const guarded = <T>(op: string, run: () => Promise<T>): Promise<T> => guardStore('PostgreSQL', op, reason, run);
