import type { Clock, Logger } from '../../shared/ports';
import { dataDir } from './deps';
import { supervisorOf, workerStateDir, writeBeat } from './worker-state';

/** How often a worker's heartbeat is written at most: its loops go round far more often. */
export const BEAT_EVERY_MS = 5000;

export interface HeartbeatOptions {
  /** The worker state folder (workerStateDir). */
  dir: string;
  /** The worker's name, as npm start supervises it (WORKER_NAMES). */
  name: string;
  clock: Clock;
  logger: Logger;
  pid?: number;
  everyMs?: number;
}

/**
 * What a worker's loop calls each time it goes round or finishes a piece of work (an event, a
 * finding): the first call and then one every `everyMs` write `<name>.beat.json`, which GET
 * /health/ready reads (worker-readiness.ts). Called from the loop, never from a timer of its
 * own: a loop stuck in a wait that never ends stops beating, and readiness says so. A clock set
 * back (NTP stepping it) writes at once rather than after it caught up. A beat that cannot be
 * written is logged once (the worker's work goes on; readiness then reports it stuck).
 */
export function heartbeat(opts: HeartbeatOptions): () => void {
  const everyMs = opts.everyMs ?? BEAT_EVERY_MS;
  const pid = opts.pid ?? process.pid;
  let last: number | undefined;
  let failing = false;
  return () => {
    const now = opts.clock.now();
    if (last !== undefined && now >= last && now - last < everyMs) return;
    last = now;
    try {
      writeBeat(opts.dir, opts.name, { pid, at: now });
      failing = false;
    } catch (e) {
      if (!failing) opts.logger.warn('worker heartbeat cannot be written; GET /health/ready reports the worker as stuck until it can', { worker: opts.name, error: e });
      failing = true;
    }
  };
}

/**
 * The heartbeat of a worker npm start runs (its state folder is npm start's: worker-state.ts); a
 * worker run on its own (a test, by hand) has no one to report to and beats into nothing.
 */
export function workerHeartbeat(name: string, deps: Pick<HeartbeatOptions, 'clock' | 'logger'>, env: Record<string, string | undefined> = process.env): () => void {
  const supervisor = supervisorOf(env);
  if (supervisor === undefined) return () => undefined;
  return heartbeat({ dir: workerStateDir(dataDir(env), supervisor), name, ...deps });
}
