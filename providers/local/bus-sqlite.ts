import type { EventBus } from '../../shared/ports/bus';
import type { SqliteQueue } from './sqlite-queue';

export interface SqliteBusOptions {
  queue: SqliteQueue;
  /**
   * Called after each publish has committed, e.g. to nudge the router. Best effort by design:
   * the event is already durable, so a failing (or rejecting) hook never fails the publish.
   */
  onPublished?: () => void | Promise<void>;
}

/**
 * The local EventBus: publish appends the CloudEvent's JSON to the SQLite queue. better-sqlite3 is
 * synchronous and enqueue commits with synchronous=FULL, so when it returns the row is
 * committed and fsynced: the promise resolves only once the event is durably accepted.
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
  return {
    async publish(event) {
      queue.enqueue(JSON.stringify(event));
      notify();
    },
    async check() {
      queue.check();
    },
  };
}
