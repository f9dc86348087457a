import { AppError } from '../errors';

/**
 * What a driver's or SDK's error says about reaching its service: a short fixed reason ("connect
 * timeout", "connection refused") when the service could not be reached or did not answer, else
 * undefined (the service answered: a refusal, a conflict, a programming error). Each provider
 * has its own (providers/{aws,azure,postgres,redis}).
 */
export type NetworkReason = (e: unknown) => string | undefined;

/**
 * A state store that could not be reached, as a 503 `store_unavailable` the caller may retry
 * (Retry-After 1 s), with the original error as `cause` for logs; any other error is returned
 * as it is. The message names the store, the operation and the fixed reason, never the driver's
 * text, which can carry a host, an account URL or the user of a connection string: it is shown
 * to HTTP callers (expose; unexposed, the problem renderer turns any 5xx into a bare 500). A
 * write that failed so may still have been applied: the 503 means "unknown", not "not written".
 */
export function storeUnavailable(store: string, op: string, e: unknown, reason: NetworkReason): unknown {
  const why = reason(e);
  if (why === undefined) return e;
  return new AppError('store_unavailable', `${store} state store unavailable during ${op} (${why}); retry shortly`, {
    status: 503,
    retryable: true,
    expose: true,
    headers: { 'retry-after': '1' },
    cause: e,
  });
}

/** Runs one store operation, turning an unreachable service into store_unavailable. */
export async function guardStore<T>(store: string, op: string, reason: NetworkReason, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (e) {
    throw storeUnavailable(store, op, e, reason);
  }
}
