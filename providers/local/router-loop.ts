import { eventRouter } from '../../functions/event-router/handler';
import type { Deps } from '../../shared/ports';
import { drainQueue } from './drain';
import type { SqliteQueue } from './sqlite-queue';

export interface RouterLoopOptions {
  /** How often an idle loop looks for new commits to the queue file. */
  pollMs?: number;
  signal?: AbortSignal;
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
  while (!opts.signal?.aborted) {
    const now = deps.clock.now();
    if (queue.changed() || now - lastClaim >= 1000) {
      lastClaim = now;
      try {
        const report = await drainQueue(queue, eventRouter, deps, undefined, opts.signal);
        drained += report.handled + report.failed;
        if (report.failed > 0) deps.logger.warn('router records failed; they are retried with backoff', { ...report });
      } catch (e) {
        deps.logger.error('router drain failed', { error: e });
      }
    }
    await new Promise((r) => setTimeout(r, pollMs));
  }
  deps.logger.info('router loop stopped', { drained });
}
