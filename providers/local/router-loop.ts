import { setTimeout as sleep } from 'node:timers/promises';
import { eventRouter } from '../../functions/event-router/handler';
import type { Deps } from '../../shared/ports';
import { drainQueue } from './drain';
import type { SqliteQueue } from './sqlite-queue';

export interface RouterLoopOptions {
  /** How often an idle loop looks for new commits to the queue file. */
  pollMs?: number;
  signal?: AbortSignal;
  /** Called as the loop goes round and after each event (the worker's heartbeat). */
  beat?: () => void;
}

/**
 * The local router as a long-running consumer: drains the SQLite queue whenever another
 * connection has committed to it (`changed()`, a read-only check that our own commits do not
 * trip), and looks every `pollMs`
 * (20 ms by default) otherwise, with a full claim at least every second for retries coming due.
 * It replaces the per-publish Lambda invoke ("nudge") through serverless-offline, which cost a
 * whole emulated invocation per burst of events. Leases make it safe beside the router's
 * one-minute schedule: a message is claimed by one consumer at a time.
 */
export async function runRouterLoop(deps: Deps, queue: SqliteQueue, opts: RouterLoopOptions = {}): Promise<void> {
  const pollMs = opts.pollMs ?? 20;
  let lastClaim = 0;
  let drained = 0;
  const beat = opts.beat ?? (() => undefined);
  while (!opts.signal?.aborted) {
    beat();
    const now = deps.clock.now();
    let failed = false;
    try {
      // changed() reads the file too: an error there (a damaged or unreadable file) is the
      // drain's to log, not one that ends the worker.
      // A clock set back (NTP stepping it) leaves the last claim ahead of it: that is a
      // full claim now too, or retries coming due would wait for the clock to catch up (up to
      // the one-minute schedule's drain, or however far it went back).
      if (queue.changed() || now - lastClaim >= 1000 || now < lastClaim) {
        const report = await drainQueue(queue, eventRouter, deps, undefined, opts.signal, beat);
        // The next full claim comes a second after this drain ended, not after it began: the
        // records it failed were released as it ended, the first retry 1 s later, and a claim
        // timed from the start would come short of them by the drain's duration and find them
        // only at the claim after (2 s). A drain that throws leaves lastClaim as it was, and the
        // second's wait below is followed by a full claim, as before.
        lastClaim = deps.clock.now();
        drained += report.handled + report.failed;
        if (report.failed > 0) deps.logger.warn('router records failed; they are retried with backoff', { ...report });
      }
    } catch (e) {
      failed = true;
      deps.logger.error('router drain failed', { error: e });
    }
    // After a failure the next try waits a second: a file that stays unreadable is logged once a second, not at every poll.
    await sleep(failed ? Math.max(pollMs, 1000) : pollMs, undefined, { signal: opts.signal }).catch(() => undefined);
  }
  deps.logger.info('router loop stopped', { drained });
}
