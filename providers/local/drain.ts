import { type RecordOutcome, runBatch } from '../../shared/batch/runner';
import { type RecordHandler, redeliveryDelayMs } from '../../shared/contracts';
import { redactText } from '../../shared/log/redact';
import type { Deps } from '../../shared/ports';
import type { QueueMessage, SqliteQueue } from './sqlite-queue';

/** Retry delays for a failed record, by attempt; the last one repeats until dead-lettering. */
const BACKOFF_MS = [1000, 5000, 30000, 120000, 600000];
const LEASE_MS = 60000;
/**
 * While a batch is in hand its leases are renewed this often, well within LEASE_MS: a batch of
 * events whose destinations each spend their retry budget (30 s per call) outlives one lease, and
 * the one-minute schedule's drain would otherwise claim the rest of it and route it a second time,
 * side by side (and count the claims, dead-lettering an event still being routed).
 */
const RENEW_EVERY_MS = LEASE_MS / 3;
/** How long a batch keeps its leases at most: a handler that hangs lets another consumer take over. */
const MAX_HOLD_MS = 15 * 60_000;
const BATCH = 10;

/**
 * When a failed record comes back: after the backoff of its attempt, or later when its error asks
 * for a longer wait (a vendor's Retry-After, a circuit still open, a destination another consumer
 * is calling; at most MAX_REDELIVERY_DELAY_MS). Sooner than asked it would only fail again, and
 * use up one of its attempts before the dead-letter table.
 */
export function retryDelayMs(attempts: number, error: unknown): number {
  const backoff = BACKOFF_MS[Math.min(Math.max(attempts, 1) - 1, BACKOFF_MS.length - 1)]!;
  return Math.max(backoff, redeliveryDelayMs(error) ?? 0);
}

export interface DrainReport {
  handled: number;
  failed: number;
}

/** Renews the leases of `held` every RENEW_EVERY_MS until the returned function is called. */
function keepLeases(queue: SqliteQueue, held: readonly QueueMessage[], deps: Deps): () => void {
  let renewals = 0;
  const timer = setInterval(() => {
    if (++renewals * RENEW_EVERY_MS > MAX_HOLD_MS) {
      clearInterval(timer);
      deps.logger.warn('router batch still running; its leases are left to expire and another consumer may take it over', {
        records: held.length, heldForMs: MAX_HOLD_MS,
      });
      return;
    }
    try {
      const kept = queue.extend(held, LEASE_MS);
      if (kept < held.length) deps.logger.warn('router lost leases of records in hand; another consumer may handle them too', { lost: held.length - kept });
    } catch (e) {
      deps.logger.warn('router could not renew its leases; retried at the next renewal', { error: e });
    }
  }, RENEW_EVERY_MS);
  // The leases expire by themselves: a pending renewal must not keep a stopping process alive.
  timer.unref();
  return () => clearInterval(timer);
}

/**
 * The local stand-in for an SQS event source mapping: claims leased batches from the SQLite queue
 * and runs them through the record handler until the queue is empty, the time budget is spent or
 * `signal` aborts (checked between records: the record in hand is finished, the batch's handled
 * records are acknowledged and the ones not started are given back at once, uncounted, so a
 * stopping worker neither leaves leases behind nor holds the data directory for a whole batch).
 * Leases are renewed while a batch is in hand (keepLeases); a record whose lease lapsed anyway
 * (its consumer died or hung holding it) is claimed alone, so a record that kills its worker
 * takes only itself to the dead-letter table (SqliteQueue.claim). Acknowledged records are deleted;
 * failed ones come back after a backoff (or the longer wait their error asks for: retryDelayMs)
 * and, after the queue's maxAttempts, go to its dead-letter table (`npm run dlq` lists, shows and
 * replays them). The record carries maxAttempts as maxReceives: at that attempt the router keeps
 * what it would fail as an inbound dead letter instead (listed and replayed through /dead-letters),
 * so the table mostly keeps what killed the worker or could not be kept. `onRecord` is called after
 * each record (the router worker's heartbeat).
 */
export async function drainQueue(
  queue: SqliteQueue, handler: RecordHandler, deps: Deps, budgetMs = 20000, signal?: AbortSignal, onRecord?: () => void,
): Promise<DrainReport> {
  const report: DrainReport = { handled: 0, failed: 0 };
  const until = deps.clock.now() + budgetMs;
  while (deps.clock.now() < until && !signal?.aborted) {
    const claimed = queue.claim(BATCH, LEASE_MS);
    if (claimed.length === 0) break;
    const release = keepLeases(queue, claimed, deps);
    const outcomes = new Map<string, RecordOutcome>();
    try {
      // One record at a time, as runBatch would, with the stop checked between records.
      for (const m of claimed) {
        if (signal?.aborted) break;
        const record = { id: m.id, body: m.body, attributes: {}, receiveCount: m.attempts, maxReceives: queue.maxAttempts };
        const [outcome] = await runBatch([record], handler, deps);
        outcomes.set(m.id, outcome!);
        onRecord?.();
      }
    } finally {
      release();
    }
    const done: { id: string; receipt: string }[] = [];
    for (const m of claimed) {
      const outcome = outcomes.get(m.id);
      if (!outcome) continue;
      if (!outcome.ok) {
        // Kept for `npm run dlq`, which prints it: a destination's answer or a library's message may
        // carry a token or a webhook URL, redacted as in the logs.
        const reason = redactText(`${outcome.error.code}: ${outcome.error.message}`);
        queue.release(m.id, m.receipt, retryDelayMs(m.attempts, outcome.error), reason);
        report.failed += 1;
      } else {
        done.push(m);
        report.handled += 1;
      }
    }
    // One commit for the batch: every commit takes the write lock that producers wait for.
    const acked = queue.ackAll(done);
    if (acked < done.length) {
      deps.logger.warn('router handled records whose lease was lost meanwhile; another consumer may handle them again', { lost: done.length - acked });
    }
    queue.giveBack(claimed.filter((m) => !outcomes.has(m.id)));
  }
  return report;
}
