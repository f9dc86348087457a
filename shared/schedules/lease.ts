import type { Sleep } from '../connectors/types';
import type { Clock } from '../ports/clock';
import type { Logger } from '../ports/logger';
import type { StateStore } from '../ports/store';
import { type RunLease, writeLease } from './claim';

export interface LeaseOptions {
  /**
   * How long a claim holds its schedule without renewal. Renewed every quarter of it while the
   * run goes on, so a run is never started twice side by side however long it takes, unless its
   * instance cannot reach the store for that long; a run whose instance died (a function timeout,
   * a crash) holds the schedule at most this long.
   */
  leaseMs: number;
  /** The timer between renewals; tests inject one that waits for them. */
  sleep: Sleep;
  /**
   * A run going on this long after its claim is taken for hung (a call without a timeout; jobs
   * stop at their deadline, well within a minute, plus at most a page's retries): it is no longer
   * renewed, so its lease lapses and the schedule runs again beside it instead of never again.
   * Default 15 minutes.
   */
  maxHoldMs?: number;
}

export const MAX_HOLD_MS = 15 * 60_000;

/**
 * Renews `lease` until the returned stop() is called, which resolves once no renewal is in flight,
 * so that a write after it (the release) is conditioned on the last version written. A lease found
 * taken by another run (it lapsed: this instance could not renew it in time) is logged and left
 * alone; a failed renewal is tried again at the next interval; a run past maxHoldMs is left to
 * lapse.
 */
export function keepLease(store: StateStore, lease: RunLease, clock: Clock, log: Logger, o: LeaseOptions): { stop(): Promise<void> } {
  const stopped = new AbortController();
  const loop = (async () => {
    for (;;) {
      try {
        await o.sleep(o.leaseMs / 4, stopped.signal);
      } catch {
        return;
      }
      if (stopped.signal.aborted) return;
      if (clock.now() - lease.record.claimedAt >= (o.maxHoldMs ?? MAX_HOLD_MS)) {
        log.warn('schedule run still going long after its claim; its lease is left to lapse', { due: new Date(lease.record.due).toISOString(), claimedAt: new Date(lease.record.claimedAt).toISOString() });
        return;
      }
      try {
        if (await writeLease(store, lease, clock.now() + o.leaseMs)) continue;
        log.warn('schedule lease lapsed and was claimed by another run; this run goes on beside it', { due: new Date(lease.record.due).toISOString() });
        return;
      } catch (e) {
        log.warn('schedule lease renewal failed; trying again', { error: e });
      }
    }
  })();
  return {
    stop: async () => {
      stopped.abort();
      await loop;
    },
  };
}
