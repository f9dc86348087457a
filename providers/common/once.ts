import type { Clock } from '../../shared/ports';

/** How long a failure is answered again before the factory is called anew, on whose clock. */
export interface RetryAfter {
  ms: number;
  clock: Clock;
}

/**
 * Memoizes an async factory: one result per process (a composition root, an SDK loaded on first
 * use), retried on the next call if it failed, so a transient failure does not poison the
 * function instance for its whole life. Concurrent calls share one attempt. With `retryAfter`,
 * calls within `ms` of a failure get that failure without a new attempt: a cold start that reads
 * secrets and fails (a manager throttling, a configuration it refuses) would otherwise ask the
 * managers again for every request of a burst, deepening the throttling it failed on.
 */
export function once<T>(factory: () => Promise<T>, retryAfter?: RetryAfter): () => Promise<T> {
  let pending: Promise<T> | undefined;
  let failed: { error: unknown; at: number } | undefined;
  return () => {
    if (failed && retryAfter && retryAfter.clock.now() < failed.at + retryAfter.ms) return Promise.reject(failed.error);
    pending ??= factory().then(
      (value) => {
        failed = undefined;
        return value;
      },
      (e: unknown) => {
        pending = undefined;
        if (retryAfter) failed = { error: e, at: retryAfter.clock.now() };
        throw e;
      },
    );
    return pending;
  };
}
