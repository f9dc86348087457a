/**
 * Child-process script of the memory test (and the two readers bench/ingest.ts measures):
 * `node --import tsx count-findings.testkit.ts <stream|json> <file>` prints
 * `{"count", "ms", "maxRssKB"}`, with `"error"` (the ReportError code) for a refused report.
 * stream: parseReport over fs.createReadStream; json: readFileSync + JSON.parse + the same
 * per-result mapping (mapSarifResult), the usual way to read a report.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { obj, type Json } from '../../mappers/read';
import { ReportError, type ReportSource } from '../types';
import type { ReportContext } from './finding';
import { parseReport } from './index';
import { mapSarifResult } from './sarif-result';
import { runFromTool } from './sarif-run';
import { ReportWarnings } from './warnings';

const SOURCE: ReportSource = { bucket: 'bench', key: 'large.sarif', receivedAt: 0 };

/** The findings, and the code of a refused report (the memory test's hostile reports are refused). */
async function viaStream(file: string): Promise<{ count: number; error?: string }> {
  let count = 0;
  try {
    for await (const f of parseReport(createReadStream(file, { highWaterMark: 256 * 1024 }), SOURCE)) if (f.key !== '') count += 1;
  } catch (e) {
    if (!(e instanceof ReportError)) throw e;
    return { count, error: e.code };
  }
  return { count };
}

function viaJsonParse(file: string): number {
  const log = JSON.parse(readFileSync(file, 'utf8')) as { runs: Json[] };
  const ctx: ReportContext = { source: SOURCE, format: 'sarif', warnings: new ReportWarnings() };
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
export async function countFindings(mode: CountMode, file: string): Promise<{ count: number; error?: string; ms: number; maxRssKB: number }> {
  const t0 = performance.now();
  const got = mode === 'stream' ? await viaStream(file) : { count: viaJsonParse(file) };
  return { ...got, ms: performance.now() - t0, maxRssKB: process.resourceUsage().maxRSS };
}

if (require.main === module) {
  const [mode, file] = process.argv.slice(2);
  if ((mode !== 'stream' && mode !== 'json') || file === undefined) throw new Error('usage: count-findings.testkit.ts stream|json <file>');
  void countFindings(mode, file).then((r) => process.stdout.write(`${JSON.stringify(r)}\n`));
}
