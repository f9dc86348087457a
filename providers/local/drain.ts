import { failedIds, runBatch } from '../../shared/batch/runner';
import type { RecordHandler } from '../../shared/contracts';
import type { Deps } from '../../shared/ports';
import type { SqliteQueue } from './sqlite-queue';

/** Retry delays for a failed record, by attempt; the last one repeats until dead-lettering. */
const BACKOFF_MS = [1000, 5000, 30000, 120000, 600000];
const LEASE_MS = 60000;
const BATCH = 10;

export interface DrainReport {
  handled: number;
  failed: number;
}

/**
 * The local stand-in for an SQS event source mapping: claims leased batches from the SQLite queue
 * and runs them through the record handler until the queue is empty, the time budget is spent or
 * `signal` aborts (checked between batches: the batch in hand is finished and acknowledged, so a
 * stopping worker neither leaves leases behind nor holds the data directory for the whole budget).
 * Acknowledged records are deleted; failed ones come back after a backoff and, after the queue's
 * maxAttempts, go to its dead-letter table (`npm run dlq` lists, shows and replays them).
 */
export async function drainQueue(queue: SqliteQueue, handler: RecordHandler, deps: Deps, budgetMs = 20000, signal?: AbortSignal): Promise<DrainReport> {
  const report: DrainReport = { handled: 0, failed: 0 };
  const until = deps.clock.now() + budgetMs;
  while (deps.clock.now() < until && !signal?.aborted) {
    const claimed = queue.claim(BATCH, LEASE_MS);
    if (claimed.length === 0) break;
    const records = claimed.map((m) => ({ id: m.id, body: m.body, attributes: {}, receiveCount: m.attempts }));
    const outcomes = await runBatch(records, handler, deps);
    const failed = new Set(failedIds(outcomes));
    const done: { id: string; receipt: string }[] = [];
    for (const m of claimed) {
      if (failed.has(m.id)) {
        const error = outcomes.find((o) => o.id === m.id && !o.ok);
        const delay = BACKOFF_MS[Math.min(m.attempts - 1, BACKOFF_MS.length - 1)]!;
        queue.release(m.id, m.receipt, delay, error && !error.ok ? `${error.error.code}: ${error.error.message}` : undefined);
        report.failed += 1;
      } else {
        done.push(m);
        report.handled += 1;
      }
    }
    // One commit for the batch: every commit takes the write lock that producers wait for.
    queue.ackAll(done);
  }
  return report;
}
