import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { countFindings, type CountMode } from '../shared/ingest/parsers/count-findings.testkit';
import { writeLargeSarif } from '../shared/ingest/parsers/sarif-gen.testkit';
import type { BenchRow } from './rows';

/**
 * Report ingest: a 200 MB SARIF file (one CodeQL-like run: 120 rules with help text and
 * security-severity, results with message, region, snippet and partialFingerprints, pretty-
 * printed) turned into finding events, side by side with the usual way to read a report.
 *
 * Ours: parseReport over fs.createReadStream (detection, @streamparser/json with paths and
 * keepStack: false, one result in memory at a time, mapSarifResult per result).
 * Baseline: readFileSync + JSON.parse of the whole file, then the same mapSarifResult per result,
 * so the rows compare reading, not mapping.
 *
 * Each side runs in a fresh child process (this file under the same tsx loader), so its peak
 * RSS (process.resourceUsage().maxRSS) is its own; both load the same modules. Rounds are
 * interleaved (ours, baseline, ours, ...); the best throughput and the highest peak RSS of each
 * side count. Both children must report the exact result count the generator wrote.
 */
const TARGET_BYTES = 200 * 1024 * 1024;
const ROUNDS = 2;
const MB = 1024 * 1024;
const SIDES: readonly CountMode[] = ['stream', 'json'];

interface RunResult { count: number; ms: number; maxRssKB: number }

function runChild(mode: CountMode, file: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, __filename, mode, file], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.setEncoding('utf8').on('data', (s: string) => void (out += s));
    p.on('error', reject);
    p.on('close', (code) => {
      if (code !== 0) return reject(new Error(`bench/ingest: the ${mode} run exited ${code}`));
      try {
        resolve(JSON.parse(out.trim().split('\n').pop()!) as RunResult);
      } catch (e) {
        reject(new Error(`bench/ingest: no result from the ${mode} run: ${out}`, { cause: e }));
      }
    });
  });
}

const round3 = (x: number) => Math.round(x * 1000) / 1000;
const round1 = (x: number) => Math.round(x * 10) / 10;

export async function ingestBench(): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'secorch-bench-ingest-'));
  try {
    const file = join(dir, 'large.sarif');
    const { results, bytes } = writeLargeSarif(file, TARGET_BYTES);
    const best = new Map<CountMode, number>();
    const peak = new Map<CountMode, number>();
    for (let r = 0; r < ROUNDS; r++) {
      for (const side of SIDES) {
        const got = await runChild(side, file);
        if (got.count !== results) throw new Error(`bench/ingest: the ${side} run counted ${got.count} findings of ${results}`);
        const mbps = bytes / MB / (got.ms / 1000);
        console.error(`ingest ${side} round ${r + 1}: ${mbps.toFixed(1)} MB/s, peak rss ${(got.maxRssKB / 1024).toFixed(0)} MB, ${results} results`);
        best.set(side, Math.max(best.get(side) ?? 0, mbps));
        peak.set(side, Math.max(peak.get(side) ?? 0, got.maxRssKB / 1024));
      }
    }
    const baseline = 'readFileSync + JSON.parse + same mapping';
    const size = `${Math.round(bytes / MB)}MB`;
    return [
      { name: `ingest.sarif.${size}`, value: round1(best.get('stream')!), unit: 'MB/s', baseline: `${baseline} (${round1(best.get('json')!)} MB/s)`, ratio: round3(best.get('stream')! / best.get('json')!) },
      // Lower is better: the ratio is baseline over ours, so above 1 means less memory than the baseline.
      { name: `ingest.sarif.${size}.peak-rss (ratio baseline/ours)`, value: round1(peak.get('stream')!), unit: 'MB', baseline: `${baseline} (${round1(peak.get('json')!)} MB)`, ratio: round3(peak.get('json')! / peak.get('stream')!) },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  const [mode, file] = process.argv.slice(2);
  if (!SIDES.includes(mode as CountMode) || file === undefined) throw new Error('usage: bench/ingest.ts stream|json <file>');
  countFindings(mode as CountMode, file).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (e: unknown) => {
      console.error(e);
      process.exitCode = 1;
    },
  );
}
