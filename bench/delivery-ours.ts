import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sqliteStore } from '../providers/local/sqlite-store';
import { fanOut } from '../shared/delivery/engine/fanout';
import type { DeliveryDeps } from '../shared/delivery/engine/deps';
import { sweepDue } from '../shared/delivery/engine/sweep';
import { seedSubscription } from '../shared/delivery/engine/testkit';
import { keys } from '../shared/delivery/keys';
import type { Delivery } from '../shared/delivery/model';
import { guardedDeliveryClient } from '../shared/http/delivery-client';
import { systemClock } from '../shared/ports';
import { memorySealer } from '../shared/ports/sealer';
import { memoryStore } from '../shared/store/memory';
import { testDeps } from '../test/deps';
import { withPeakRss } from './delivery-peak-rss';
import { CONCURRENCY, finding, MB, N, type RunResult, WARMUP } from './delivery-workload';

/**
 * Our side of the delivery bench, run in a child process: the real engine with the SQLite or the
 * memory state store. Fan-out is untimed; the timed sweep does the whole delivery work (see
 * bench/delivery.ts), and every record is checked afterwards, so a fast wrong run cannot count.
 */
export async function oursRun(store: 'sqlite' | 'memory', url: string): Promise<RunResult> {
  const dir = mkdtempSync(join(tmpdir(), 'secorch-bench-delivery-'));
  const t = testDeps({ egress: { allowPrivate: ['127.0.0.0/8'] } });
  const outbound = guardedDeliveryClient({ allowPrivate: ['127.0.0.0/8'], timeoutMs: 15_000 });
  const sqlite = store === 'sqlite' ? sqliteStore({ path: join(dir, 'state.db'), clock: systemClock }) : undefined;
  // The real clock: attempts are due at creation and the sweep sees them due at once.
  const deps: DeliveryDeps = {
    ...t.deps, clock: systemClock, store: sqlite ?? memoryStore(systemClock), sealer: memorySealer(), outbound, random: Math.random,
  };
  try {
    await seedSubscription(deps, { url });
    let next = 0;
    const fan = async (n: number) => {
      for (let i = 0; i < n; i++) {
        const { created } = await fanOut(finding(next++), deps);
        if (created.length !== 1) throw new Error(`bench/delivery: fan-out created ${created.length} deliveries`);
      }
    };
    const drain = async () => {
      let succeeded = 0;
      for (;;) {
        const r = await sweepDue(deps, { concurrency: CONCURRENCY });
        const other = r.stale + r.busy + r.deferred + r.retrying + r.failed + r.errors;
        if (other > 0) throw new Error(`bench/delivery: a sweep did more than succeed: ${JSON.stringify(r)}`);
        if (r.succeeded === 0) return succeeded;
        succeeded += r.succeeded;
      }
    };

    await fan(WARMUP);
    if ((await drain()) !== WARMUP) throw new Error('bench/delivery: warm-up did not deliver everything');
    const fanStart = performance.now();
    await fan(N);
    const fanOutPerSecond = (N * 1000) / (performance.now() - fanStart);

    // Timed: the sweep only (the delivery work), not the fan-out before it.
    const { result, peak, start } = await withPeakRss(async () => {
      const t0 = performance.now();
      const delivered = await drain();
      return { delivered, ms: performance.now() - t0 };
    });
    if (result.delivered !== N) throw new Error(`bench/delivery: delivered ${result.delivered} of ${N}`);

    // Every delivery record must say succeeded, with one attempt answered 204.
    let total = 0;
    let after: string | undefined;
    do {
      const page = await deps.store.list(keys.deliveries('default'), { limit: 1000, after });
      for (const item of page.items) {
        const d = JSON.parse(item.value) as Delivery;
        if (d.status !== 'succeeded' || d.attempts.length !== 1 || d.attempts[0]!.status !== 204) {
          throw new Error(`bench/delivery: delivery ${d.id} is ${d.status} after ${JSON.stringify(d.attempts)}`);
        }
      }
      total += page.items.length;
      after = page.next;
    } while (after);
    if (total !== WARMUP + N) throw new Error(`bench/delivery: ${total} delivery records, expected ${WARMUP + N}`);

    return {
      side: store, sent: WARMUP + N, perSecond: (N * 1000) / result.ms, peakRssMB: peak / MB, startRssMB: start / MB,
      fanOutPerSecond, bodyBytes: Buffer.byteLength(JSON.stringify(finding(0))),
    };
  } finally {
    await outbound.close();
    sqlite?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
