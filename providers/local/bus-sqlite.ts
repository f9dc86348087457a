import type { EventBus } from '../../shared/ports/bus';
import type { SqliteQueue } from './sqlite-queue';

export interface SqliteBusOptions {
  queue: SqliteQueue;
  /**
   * Called after each commit of published events, e.g. to nudge the router. Best effort by
   * design: the events are already durable, so a failing (or rejecting) hook never fails a publish.
   */
  onPublished?: () => void | Promise<void>;
}

/** Events in one commit at most; more published in the same turn go in the next commit. */
export const MAX_EVENTS_PER_COMMIT = 256;

interface Pending {
  body: string;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * The local EventBus: publish appends the CloudEvent's JSON to the SQLite queue. Each promise
 * resolves only once its event is committed and fsynced (synchronous=FULL): durably accepted.
 *
 * Group commit: events published during one turn of the event loop (the webhooks that
 * serverless-offline handles side by side in one process) are put in with one commit, so they
 * share one fsync and one hold of the file's write lock, which every other writer waits for.
 * A commit is all or nothing: when it fails, every publish in it rejects with the error and
 * none of its events is stored.
 */
export function sqliteBus(opts: SqliteBusOptions): EventBus {
  const { queue, onPublished } = opts;
  const notify = () => {
    try {
      const pending = onPublished?.();
      if (pending && typeof pending.then === 'function') pending.then(undefined, () => {});
    } catch {
      // Ignored on purpose: see onPublished.
    }
  };
  const pending: Pending[] = [];
  let scheduled = false;
  const commit = (batch: Pending[]) => {
    try {
      queue.enqueueAll(batch.map((p) => p.body));
    } catch (e) {
      for (const p of batch) p.reject(e);
      return;
    }
    for (const p of batch) p.resolve();
    notify();
  };
  const flush = () => {
    scheduled = false;
    while (pending.length > 0) commit(pending.splice(0, MAX_EVENTS_PER_COMMIT));
  };
  return {
    publish(event) {
      return new Promise<void>((resolve, reject) => {
        // Serialized at once: a caller changing the event afterwards does not change what is
        // stored, and an event that cannot be serialized fails its own publish only.
        pending.push({ body: JSON.stringify(event), resolve, reject });
        if (!scheduled) {
          scheduled = true;
          setImmediate(flush);
        }
      });
    },
    async check() {
      queue.check();
    },
  };
}
