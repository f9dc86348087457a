/**
 * The benchmark row format of DESIGN.md section 3 and helpers to measure side by side. Every row
 * compares ours with a named baseline measured in the same run; `ratio` is ours over the baseline
 * in throughput terms (above 1: faster than the baseline).
 */
export interface BenchRow {
  name: string;
  value: number;
  unit: string;
  baseline: string;
  ratio: number;
}

/** A benchmark module: measures something and returns its rows. */
export type BenchModule = () => Promise<BenchRow[]>;

export interface MeasureOptions {
  /** Untimed calls first, so the JIT has optimized every candidate before timing starts. */
  warmupMs?: number;
  /** Length of one timed round. */
  roundMs?: number;
  /** Rounds per candidate; the best counts (noise on a shared 2-core machine only slows things down). */
  rounds?: number;
}

// Results go here so the JIT cannot drop a call whose value is unused.
let sink: unknown;
export const lastResult = (): unknown => sink;

/** Calls per second of `fn` during one round of about `ms` milliseconds. */
function round(fn: () => unknown, ms: number): number {
  let calls = 0;
  let batch = 16;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < ms) {
    for (let i = 0; i < batch; i++) sink = fn();
    calls += batch;
    elapsed = performance.now() - start;
    if (elapsed < ms / 100) batch *= 2; // fewer clock reads for fast closures
  }
  return (calls * 1000) / elapsed;
}

/**
 * Ops/s of each candidate, measured in interleaved rounds (A, B, C, A, B, C, ...) so a slow
 * moment of the machine hits every candidate alike; the best round of each counts.
 */
export function measureOps(candidates: Record<string, () => unknown>, opts: MeasureOptions = {}): Record<string, number> {
  const { warmupMs = 500, roundMs = 400, rounds = 5 } = opts;
  const names = Object.keys(candidates);
  for (const n of names) round(candidates[n]!, warmupMs);
  const best: Record<string, number> = Object.fromEntries(names.map((n) => [n, 0]));
  for (let r = 0; r < rounds; r++) {
    for (const n of names) best[n] = Math.max(best[n]!, round(candidates[n]!, roundMs));
  }
  return best;
}

/** One row per baseline for a throughput measured as `ours` (higher is better). */
export function throughputRows(name: string, unit: string, ours: number, baselines: Record<string, number>): BenchRow[] {
  return Object.entries(baselines).map(([baseline, value]) => ({
    name,
    value: Math.round(ours),
    unit,
    baseline,
    ratio: Math.round((ours / value) * 1000) / 1000,
  }));
}

const num = (v: number) => (Number.isInteger(v) ? v.toLocaleString('en-US') : String(v));

/** An aligned text table of rows (numbers right-aligned). */
export function formatTable(rows: BenchRow[]): string {
  const header = ['name', 'value', 'unit', 'baseline', 'ratio'];
  const cells = rows.map((r) => [r.name, num(r.value), r.unit, r.baseline, r.ratio.toFixed(3)]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const numeric = new Set([1, 4]);
  const line = (c: string[]) => c.map((v, i) => (numeric.has(i) ? v.padStart(widths[i]!) : v.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}
