import { Agent } from 'undici';
import { withPeakRss } from './delivery-peak-rss';
import { CONCURRENCY, finding, MB, N, type RunResult, WARMUP } from './delivery-workload';

/**
 * The baseline side of the delivery bench, run in a child process: CONCURRENCY lanes of a bare
 * undici request loop with nothing of ours in the path, so the rows show what our engine costs.
 */
export async function undiciRun(url: string): Promise<RunResult> {
  const { origin, pathname } = new URL(url);
  // Same size as our deliveries' bodies (the event as JSON, no transform).
  const body = JSON.stringify(finding(0));
  const agent = new Agent();
  const loop = async (n: number) => {
    let left = n;
    const lane = async () => {
      while (left > 0) {
        left -= 1;
        const res = await agent.request({ origin, path: pathname, method: 'POST', headers: { 'content-type': 'application/json' }, body });
        await res.body.text();
        if (res.statusCode !== 204) throw new Error(`bench/delivery: baseline answered ${res.statusCode}`);
      }
    };
    await Promise.all(Array.from({ length: CONCURRENCY }, lane));
  };
  try {
    await loop(WARMUP);
    const { result: ms, peak, start } = await withPeakRss(async () => {
      const t0 = performance.now();
      await loop(N);
      return performance.now() - t0;
    });
    return { side: 'undici', sent: WARMUP + N, perSecond: (N * 1000) / ms, peakRssMB: peak / MB, startRssMB: start / MB, bodyBytes: Buffer.byteLength(body) };
  } finally {
    await agent.close();
  }
}
