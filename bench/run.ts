import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchModule, type BenchRow, formatTable } from './rows';
import { bundleBench } from './bundles';
import { deliveryBench } from './delivery';
import { e2eBench } from './e2e';
import { ingestBench } from './ingest';
import { ingressBench } from './ingress';
import { keysSchemesBench } from './schemes-keys';
import { vendorSchemesBench } from './schemes-vendor';
import { verifyBench } from './verify';

/**
 * `npm run bench`: runs every benchmark module in turn, prints one table and writes all rows to
 * bench/results.json (DESIGN.md section 3). To add a benchmark, export a BenchModule from a file
 * here and add it to MODULES. A module that fails is reported and makes the run exit non-zero,
 * but the others still run and their rows are still written.
 *
 * `npm run bench -- keysSchemes ingress` runs only the named modules and prints their table
 * without touching results.json (which always holds a whole run).
 */
const MODULES: Record<string, BenchModule> = {
  verify: verifyBench,
  vendorSchemes: vendorSchemesBench,
  keysSchemes: keysSchemesBench,
  ingress: ingressBench,
  delivery: deliveryBench,
  ingest: ingestBench,
  bundles: bundleBench,
  e2e: e2eBench,
};

async function main(): Promise<void> {
  const rows: BenchRow[] = [];
  let failed = false;
  const only = process.argv.slice(2);
  const unknown = only.filter((n) => !(n in MODULES));
  if (unknown.length > 0) throw new Error(`unknown bench module(s): ${unknown.join(', ')}; known: ${Object.keys(MODULES).join(', ')}`);
  for (const [name, run] of Object.entries(MODULES)) {
    if (only.length > 0 && !only.includes(name)) continue;
    const started = performance.now();
    try {
      const got = await run();
      rows.push(...got);
      console.error(`bench ${name}: ${got.length} rows in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    } catch (e) {
      failed = true;
      console.error(`bench ${name} failed:`, e);
    }
  }
  console.log(formatTable(rows));
  if (only.length > 0) return void (process.exitCode = failed ? 1 : 0);
  const out = join(__dirname, 'results.json');
  writeFileSync(out, `${JSON.stringify(rows, null, 2)}\n`);
  console.error(`wrote ${rows.length} rows to ${out}`);
  if (failed) process.exitCode = 1;
}

void main();
