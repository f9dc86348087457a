import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
// @ts-expect-error -- a plain ES module without type declarations, run through tsx
import { buildAll } from '../esbuild.config.mjs';
import type { BenchRow } from './rows';

/** Webhook receivers are latency-sensitive: the AWS bundles must stay small and import fast. */
const BUDGET_KB = 250;
const RUNS = 15;
const ROOT = join(__dirname, '..');

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** Wall time of a fresh `node` process running `code`, median of RUNS (interleaved by the caller). */
function nodeRun(code: string): number {
  const start = process.hrtime.bigint();
  const r = spawnSync(process.execPath, ['-e', code], { cwd: ROOT, stdio: 'ignore' });
  if (r.status !== 0) throw new Error(`node -e ${code} exited ${r.status}`);
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * Bundle size of each AWS function (budget 250 KB minified; the undici file loaded on the first
 * outbound request is named beside it, not counted) and its cold import time beside a
 * bare `node` start measured in the same run (target: within 2.5x). Ratios are in "higher is
 * better" terms: budget / size, and bare start / cold import.
 */
export async function bundleBench(): Promise<BenchRow[]> {
  const built: { fn: string; file: string; bytes: number; parts: { bytes: number } }[] = await buildAll({ targets: ['aws'], quiet: true });
  const rows: BenchRow[] = [];
  for (const b of built) {
    const kb = b.bytes / 1024;
    // undici-parts.js beside it is loaded on the first outbound request, not at cold start (esbuild.config.mjs).
    const parts = `+ undici-parts.js ${Math.round(b.parts.bytes / 1024)} KB on the first outbound request`;
    rows.push({ name: `bundle.aws.${b.fn}`, value: round(kb), unit: 'KB', baseline: `${BUDGET_KB} KB budget (${parts})`, ratio: round(BUDGET_KB / kb) });
  }
  const samples = new Map<string, number[]>([['bare', []], ...built.map((b) => [b.fn, []] as [string, number[]])]);
  for (let i = 0; i < RUNS; i++) {
    samples.get('bare')!.push(nodeRun('0'));
    for (const b of built) samples.get(b.fn)!.push(nodeRun(`require(${JSON.stringify(join(ROOT, b.file))})`));
  }
  const bare = median(samples.get('bare')!);
  for (const b of built) {
    const ms = median(samples.get(b.fn)!);
    rows.push({ name: `coldstart.aws.${b.fn}`, value: round(ms), unit: 'ms', baseline: 'node (bare start)', ratio: round(bare / ms) });
  }
  return rows;
}

const round = (x: number) => Math.round(x * 1000) / 1000;
