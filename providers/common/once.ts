/**
 * Memoizes an async factory: one result per process (a composition root, an SDK loaded on first
 * use), retried on the next call if it failed, so a transient failure does not poison the
 * function instance for its whole life.
 */
export function once<T>(factory: () => Promise<T>): () => Promise<T> {
  let pending: Promise<T> | undefined;
  return () => {
    pending ??= factory().catch((e: unknown) => {
      pending = undefined;
      throw e;
    });
    return pending;
  };
}
