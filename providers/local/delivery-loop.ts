import { deliveryTick } from '../../functions/webhook-delivery/handler';
import type { Deps } from '../../shared/ports';

export interface LoopOptions {
  /** Pause between sweeps that found nothing to do (the issue asks for at least every second). */
  idleMs?: number;
  signal?: AbortSignal;
}

/**
 * The local delivery scheduler: sweeps due attempts in a loop, at least every `idleMs` (250 ms by
 * default), straight away again after a sweep that did work. Everything it needs is in SQLite,
 * so the loop can be killed at any moment and restarted: an attempt in flight is made again
 * after its lease expires, with the same webhook-id.
 */
export async function runDeliveryLoop(deps: Deps, opts: LoopOptions = {}): Promise<void> {
  const idleMs = opts.idleMs ?? 250;
  let ticks = 0;
  while (!opts.signal?.aborted) {
    let busy = false;
    try {
      const report = await deliveryTick({ name: 'local-delivery', scheduledAt: deps.clock.now() }, deps);
      const d = (report.details ?? {}) as Record<string, number | undefined>;
      busy = ['succeeded', 'retrying', 'failed', 'deferred', 'stale'].some((k) => (d[k] ?? 0) > 0);
    } catch (e) {
      deps.logger.error('delivery sweep failed', { error: e });
    }
    ticks += 1;
    if (!busy) await new Promise((r) => setTimeout(r, idleMs));
  }
  deps.logger.info('delivery loop stopped', { ticks });
}
