import type { ListPage } from '../../ports/store';
import { keys, parseDue } from '../keys';
import { processDue, type Due, type DueOutcome } from './attempt';
import { confirmSuccesses } from './breaker-store';
import type { DeliveryDeps } from './deps';
import { MAX_AGE_MS, sweepCache } from './sweep-cache';

export interface SweepOptions {
  /** Due items read per page. */
  pageSize?: number;
  /** Attempts in flight at once. */
  concurrency?: number;
  /** Stop after this many items (one scheduler tick's budget). */
  maxItems?: number;
  /**
   * Epoch ms (deps.clock) at which the platform ends the run (a function timeout). No attempt
   * starts later than a request's timeout plus DEADLINE_MARGIN_MS before it: an attempt the
   * platform cuts off records no outcome, so the next sweep would send it again under the same
   * webhook-id without counting it. What is left stays due for the next sweep.
   */
  deadline?: number;
}

/** Room after an attempt's request for its outcome write (and the store's retries of it). */
export const DEADLINE_MARGIN_MS = 10_000;

export type SweepReport = Record<DueOutcome, number> & { errors: number; stoppedForDeadline?: true };

/**
 * The scheduler's tick: every attempt whose time has come, oldest first, a bounded number in
 * parallel. The due index is a key prefix ordered by time, so the scan stops at the first item
 * still in the future. Run by the local worker every few hundred milliseconds, and on the
 * clouds by a timer and by delayed wake-up messages (which call processDue for their one item).
 *
 * The lanes never wait for a page to drain: the next page is read while the last items of the
 * current one are in flight (it starts after the current page's last key, so no item is taken
 * twice), and a lane that is free takes the next item from whichever page holds it.
 */
export async function sweepDue(deps: DeliveryDeps, opts: SweepOptions = {}): Promise<SweepReport> {
  const { pageSize = 200, concurrency = 32, maxItems = 5000, deadline } = opts;
  const report: SweepReport = { stale: 0, busy: 0, deferred: 0, succeeded: 0, retrying: 0, failed: 0, errors: 0 };
  const cache = sweepCache(deps);
  const lastStart = deadline === undefined ? Infinity : deadline - cache.settings.timeoutMs - DEADLINE_MARGIN_MS;
  const queue: Due[] = [];
  let taken = 0;
  let done = false;
  let after: string | undefined;
  let reading: Promise<void> | undefined;
  let failure: { error: unknown } | undefined;

  // One page of due items onto the queue; `done` once the scan meets the future, the end or the budget.
  const readPage = async () => {
    const now = deps.clock.now();
    enqueue(await deps.store.list(keys.duePrefix, { limit: pageSize, after }), now);
  };
  // Apart from readPage: its loop would make readPage hot, and the optimising compiler would
  // then compile the store's list into it, for a function that runs once per page.
  const enqueue = (page: ListPage, now: number) => {
    for (const item of page.items) {
      const d = parseDue(item.key);
      if (!d) continue;
      if (d.at > now || taken >= maxItems) {
        done = true;
        break;
      }
      queue.push(d);
      taken += 1;
    }
    if (!page.next || taken >= maxItems) done = true;
    after = page.next;
  };
  // A failed read ends the sweep: the lanes finish what they hold, then the sweep rejects.
  const refill = () =>
    (reading ??= readPage()
      .catch((error: unknown) => void ((failure ??= { error }), (done = true)))
      .finally(() => (reading = undefined)));

  const lane = async () => {
    for (;;) {
      if (queue.length < concurrency && !done) void refill();
      if (queue.length === 0) {
        if (done && !reading) return;
        await refill();
        continue;
      }
      if (deadline !== undefined && deps.clock.now() > lastStart) {
        // Too late to start one more: the items still queued or unread stay due for the next sweep.
        done = true;
        report.stoppedForDeadline = true;
        queue.length = 0;
        if (reading) await reading;
        return;
      }
      const d = queue.shift()!;
      try {
        report[await processDue(deps, d, cache)] += 1;
      } catch (e) {
        report.errors += 1;
        deps.logger.error('delivery attempt failed unexpectedly', { deliveryId: d.id, error: e });
      }
      // Successes recorded on a kept breaker a second ago whose breaker no attempt has read since
      // (breaker-store.ts): most are confirmed by those reads, so this is nearly always nothing.
      const confirming = confirmSuccesses(deps, cache, cache.settings.breaker, deps.clock.now() - MAX_AGE_MS);
      if (confirming) await confirming;
    }
  };
  await refill();
  await Promise.all(Array.from({ length: concurrency }, lane));
  // The rest, before the sweep's cache and its notes go.
  await confirmSuccesses(deps, cache, cache.settings.breaker);
  if (failure) throw failure.error;
  return report;
}
