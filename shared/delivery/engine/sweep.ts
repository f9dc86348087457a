import { keys, parseDue } from '../keys';
import { processDue, type Due, type DueOutcome } from './attempt';
import type { DeliveryDeps } from './deps';

export interface SweepOptions {
  /** Due items read per page. */
  pageSize?: number;
  /** Attempts in flight at once. */
  concurrency?: number;
  /** Stop after this many items (one scheduler tick's budget). */
  maxItems?: number;
}

export type SweepReport = Record<DueOutcome, number> & { errors: number };

/**
 * The scheduler's tick: every attempt whose time has come, oldest first, a bounded number in
 * parallel. The due index is a key prefix ordered by time, so the scan stops at the first item
 * still in the future. Run by the local worker every few hundred milliseconds, and on the
 * clouds by a timer and by delayed wake-up messages (which call processDue for their one item).
 */
export async function sweepDue(deps: DeliveryDeps, opts: SweepOptions = {}): Promise<SweepReport> {
  const { pageSize = 200, concurrency = 32, maxItems = 5000 } = opts;
  const report: SweepReport = { stale: 0, busy: 0, deferred: 0, succeeded: 0, retrying: 0, failed: 0, errors: 0 };
  let after: string | undefined;
  let seen = 0;
  for (;;) {
    const now = deps.clock.now();
    const page = await deps.store.list(keys.duePrefix, { limit: pageSize, after });
    const due: Due[] = [];
    let future = false;
    for (const item of page.items) {
      const d = parseDue(item.key);
      if (!d) continue;
      if (d.at > now) {
        future = true;
        break;
      }
      due.push(d);
    }
    await runPool(due, concurrency, async (d) => {
      try {
        report[await processDue(deps, d)] += 1;
      } catch (e) {
        report.errors += 1;
        deps.logger.error('delivery attempt failed unexpectedly', { deliveryId: d.id, error: e });
      }
    });
    seen += due.length;
    if (future || !page.next || seen >= maxItems) return report;
    after = page.next;
  }
}

async function runPool<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const lanes = Array.from({ length: Math.min(size, items.length) }, async () => {
    while (i < items.length) await fn(items[i++]!);
  });
  await Promise.all(lanes);
}
