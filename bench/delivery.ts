import { spawn } from 'node:child_process';
import { oursRun } from './delivery-ours';
import { keepAliveReceiver } from './delivery-receiver';
import { undiciRun } from './delivery-undici';
import { CONCURRENCY, ROUNDS, type RunResult, type Side, SIDES } from './delivery-workload';
import type { BenchRow } from './rows';

/**
 * Outbound webhook delivery throughput: signed deliveries per second from the real engine to a
 * local keep-alive receiver (node:http answering 204 at once), side by side with a bare undici
 * request loop at the same concurrency, plus the peak RSS of each.
 *
 * Ours: one subscription pointing at the receiver; N events fanned out (one pending delivery
 * each, untimed), then `sweepDue` at concurrency C repeated until nothing is due. Only the sweep
 * is timed: for every delivery it reads the record, takes the lease, reads the subscription and
 * the event, consults the breaker, builds and signs the CloudEvent body (Standard Webhooks),
 * POSTs it through the egress-guarded client and writes the outcome. Once with the SQLite state
 * store in a temp dir (the local default), once with the memory store, so the store's share shows.
 * Baseline: C lanes of `agent.request` (undici Agent, keep-alive) POSTing a body of the same size,
 * N requests in all, each response body read.
 *
 * Each side runs in a fresh child process (this file, run as a script) and the receiver runs
 * here in the parent: the client under test then has its own event loop, and its RSS is neither
 * the receiver's nor what an earlier side left in the heap. Every child loads the same modules
 * (this file's imports, both sides' among them), so the RSS rows compare working memory, not
 * code loaded. Rounds are interleaved (sqlite, memory, undici, sqlite, ...); the best throughput
 * round counts and the highest peak RSS of any round is reported.
 *
 * Parts: the workload and result shape (delivery-workload.ts), the receiver (delivery-receiver.ts),
 * our run (delivery-ours.ts), the baseline run (delivery-undici.ts), peak-RSS sampling
 * (delivery-peak-rss.ts). This file runs the rounds and turns them into rows, and is the script
 * each child runs.
 */

// ---------------------------------------------------------------------------------------------
// Child side: one run of one side, its result as JSON on stdout.

async function child(side: Side, url: string): Promise<void> {
  const result = side === 'undici' ? await undiciRun(url) : await oursRun(side, url);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

// ---------------------------------------------------------------------------------------------
// Parent side: the rounds against the receiver, the rows.

/** Runs one side in a fresh process (this file under the same loader, tsx) and parses its result. */
function runChild(side: Side, url: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, __filename, side, url], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (s: string) => void (out += s));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench/delivery: the ${side} run exited ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as RunResult);
      } catch (e) {
        reject(new Error(`bench/delivery: no result from the ${side} run: ${out}`, { cause: e }));
      }
    });
  });
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const round1 = (x: number) => Math.round(x * 10) / 10;

export async function deliveryBench(): Promise<BenchRow[]> {
  const rx = await keepAliveReceiver();
  const best = new Map<Side, RunResult>();
  const peak = new Map<Side, number>();
  try {
    for (let r = 0; r < ROUNDS; r++) {
      for (const side of SIDES) {
        const before = { ...rx.counts };
        const got = await runChild(side, rx.url);
        const requests = rx.counts.requests - before.requests;
        const signed = rx.counts.signed - before.signed;
        if (requests !== got.sent) throw new Error(`bench/delivery: the receiver got ${requests} requests from the ${side} run, which sent ${got.sent}`);
        if (side !== 'undici' && signed !== got.sent) throw new Error(`bench/delivery: ${got.sent - signed} of the ${side} run's deliveries were unsigned`);
        console.error(
          `delivery ${side} round ${r + 1}: ${Math.round(got.perSecond)}/s, rss ${got.startRssMB.toFixed(0)} -> peak ${got.peakRssMB.toFixed(0)} MB, ` +
            `body ${got.bodyBytes} B${got.fanOutPerSecond ? `, fan-out ${Math.round(got.fanOutPerSecond)}/s (untimed)` : ''}`,
        );
        if (got.perSecond > (best.get(side)?.perSecond ?? 0)) best.set(side, got);
        peak.set(side, Math.max(peak.get(side) ?? 0, got.peakRssMB));
      }
    }
  } finally {
    await rx.close();
  }
  const base = best.get('undici')!;
  const baseline = `undici Agent.request loop, c=${CONCURRENCY}`;
  const baselinePeak = peak.get('undici')!;
  return (['sqlite', 'memory'] as const).flatMap((side): BenchRow[] => {
    const name = `delivery.signed.${side}`;
    return [
      { name, value: Math.round(best.get(side)!.perSecond), unit: 'deliveries/s', baseline, ratio: round3(best.get(side)!.perSecond / base.perSecond) },
      // Lower is better: the ratio is baseline over ours, so above 1 means less memory than the baseline.
      { name: `${name}.peak-rss`, value: round1(peak.get(side)!), unit: 'MB', baseline: `${baseline} (${round1(baselinePeak)} MB)`, ratio: round3(baselinePeak / peak.get(side)!) },
    ];
  });
}

if (require.main === module) {
  const [side, url] = process.argv.slice(2);
  if (!SIDES.includes(side as Side) || !url) throw new Error('usage: bench/delivery.ts sqlite|memory|undici <receiver url>');
  child(side as Side, url).catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
  });
}
