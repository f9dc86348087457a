import { deliveryTick } from '../../functions/webhook-delivery/handler';
import type { Deps } from '../../shared/ports';

export interface LoopOptions {
  /** Pause between sweeps that found nothing to do (the issue asks for at least every second). */
  idleMs?: number;
  /** Sweeps running at once while earlier ones wait on receivers that are slow to answer. */
  maxSweeps?: number;
  /** Attempts in flight at most, over all the sweeps running: each gets its share as lanes. */
  concurrency?: number;
  signal?: AbortSignal;
  /** Called as the loop goes round (the worker's heartbeat). */
  beat?: () => void;
}

/** Did the sweep do work (then the next one starts at once)? false on nothing, or a failure. */
type Sweep = Promise<boolean>;

/** Resolves after `ms`, or at once on abort, clearing its timer either way. */
function pause(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}

/**
 * The local delivery scheduler: sweeps due attempts in a loop, at least every `idleMs` (250 ms by
 * default), straight away again after a sweep that did work. A sweep ends only when its slowest
 * attempt does (a receiver may take the whole delivery deadline, 15 s and up to 120 s), so one
 * still running after `idleMs` is left to finish and the next starts beside it: the attempts it
 * holds are leased, so the next sweep passes over them ('busy') and makes those that came due
 * since. At most `maxSweeps` run at once, sharing `concurrency` (32) attempts in flight between them
 * (8 lanes each by default: a backlog is taken by several sweeps as it was by one, racing for each
 * attempt's lease, which one wins). Everything it needs is in SQLite, so the loop can be
 * killed at any moment and restarted: an attempt in flight is made again after its lease
 * expires, with the same webhook-id. On abort it returns once the sweeps running have ended.
 */
export async function runDeliveryLoop(deps: Deps, opts: LoopOptions = {}): Promise<void> {
  const idleMs = opts.idleMs ?? 250;
  const maxSweeps = Math.max(1, opts.maxSweeps ?? 4);
  // The whole worker keeps the one sweep's 32 attempts in flight (the attempts a kill can repeat).
  const lanes = Math.max(1, Math.floor((opts.concurrency ?? 32) / maxSweeps));
  const running = new Set<Sweep>();
  let ticks = 0;
  const sweep = async (): Sweep => {
    try {
      const report = await deliveryTick({ name: 'local-delivery', scheduledAt: deps.clock.now() }, deps, { concurrency: lanes });
      const d = (report.details ?? {}) as Record<string, number | undefined>;
      return ['succeeded', 'retrying', 'failed', 'deferred', 'stale'].some((k) => (d[k] ?? 0) > 0);
    } catch (e) {
      deps.logger.error('delivery sweep failed', { error: e });
      return false;
    }
  };
  while (!opts.signal?.aborted) {
    opts.beat?.();
    const current = sweep();
    running.add(current);
    void current.finally(() => running.delete(current));
    ticks += 1;
    const busy = await Promise.race([current, pause(idleMs, opts.signal).then(() => undefined)]);
    if (busy === false) await pause(idleMs, opts.signal);
    // Still running (undefined): the next sweep starts beside it, room permitting. Waiting for
    // room, the loop still beats: each sweep's attempts end by their deadline, and a long backlog
    // toward slow receivers keeps every sweep busy for longer than the heartbeat's bound.
    while (running.size >= maxSweeps && !opts.signal?.aborted) {
      await Promise.race([...running, pause(idleMs, opts.signal)]);
      opts.beat?.();
    }
  }
  await Promise.all(running);
  deps.logger.info('delivery loop stopped', { ticks });
}
