/**
 * Child-process script of the memory test (and the two readers bench/ingest.ts measures):
 * `node --import tsx count-findings.testkit.ts <stream|json> <file>` prints
 * `{"count", "ms", "maxRssKB"}`.
 * stream: parseReport over fs.createReadStream; json: readFileSync + JSON.parse + the same
 * per-result mapping (mapSarifResult), the usual way to read a report.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { obj, type Json } from '../../mappers/read';
import type { ReportSource } from '../types';
import type { ReportContext } from './finding';
import { parseReport } from './index';
import { mapSarifResult } from './sarif-result';
import { runFromTool } from './sarif-run';

const SOURCE: ReportSource = { bucket: 'bench', key: 'large.sarif', receivedAt: 0 };

async function viaStream(file: string): Promise<number> {
  let count = 0;
  for await (const f of parseReport(createReadStream(file, { highWaterMark: 256 * 1024 }), SOURCE)) if (f.key !== '') count += 1;
  return count;
}

function viaJsonParse(file: string): number {
  const log = JSON.parse(readFileSync(file, 'utf8')) as { runs: Json[] };
  const ctx: ReportContext = { source: SOURCE, format: 'sarif' };
  let count = 0;
  log.runs.forEach((r, i) => {
    const run = runFromTool(i, r.tool, r.artifacts);
    (r.results as unknown[]).forEach((res, j) => {
      if (mapSarifResult(ctx, run, obj(res) ?? {}, `/runs/${i}/results/${j}`).key !== '') count += 1;
    });
  });
  return count;
}

export type CountMode = 'stream' | 'json';

/** Findings of `file` read one way, the time it took and the process's peak RSS so far. */
export async function countFindings(mode: CountMode, file: string): Promise<{ count: number; ms: number; maxRssKB: number }> {
  const t0 = performance.now();
  const count = mode === 'stream' ? await viaStream(file) : viaJsonParse(file);
  return { count, ms: performance.now() - t0, maxRssKB: process.resourceUsage().maxRSS };
}

if (require.main === module) {
  const [mode, file] = process.argv.slice(2);
  if ((mode !== 'stream' && mode !== 'json') || file === undefined) throw new Error('usage: count-findings.testkit.ts stream|json <file>');
  void countFindings(mode, file).then((r) => process.stdout.write(`${JSON.stringify(r)}\n`));
}
