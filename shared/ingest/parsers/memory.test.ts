/**
 * Bounded memory, shown rather than asserted on timings: a ~20 MB SARIF file is counted in a
 * child process whose V8 heap is capped at HEAP_MB. The streaming parser completes with the
 * exact count; JSON.parse of the same file under the same cap dies out of memory, which shows
 * the cap is tight enough to mean something. (The streaming side also completes at 16 MB.)
 * Reports built to exhaust what a SARIF run keeps (millions of rules or artifacts) stay within a
 * 64 MB heap as well.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLargeSarif, writeWideSarif } from './sarif-gen.testkit';

const HEAP_MB = 32;
const SCRIPT = join(__dirname, 'count-findings.testkit.ts');

function count(mode: 'stream' | 'json', file: string, heapMb = HEAP_MB) {
  return spawnSync(process.execPath, ['--import', 'tsx', `--max-old-space-size=${heapMb}`, SCRIPT, mode, file], {
    cwd: join(__dirname, '..', '..', '..'),
    encoding: 'utf8',
    timeout: 180_000,
  });
}

describe('bounded memory', () => {
  let dir: string;
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'secorch-ingest-mem-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`streams a 20 MB SARIF file within a ${HEAP_MB} MB heap that JSON.parse cannot use`, () => {
    const file = join(dir, 'large.sarif');
    const { results, bytes } = writeLargeSarif(file, 20 * 1024 * 1024);
    expect(bytes).toBeGreaterThan(20 * 1024 * 1024);

    const ours = count('stream', file);
    expect(ours.status).toBe(0);
    expect(JSON.parse(ours.stdout.trim())).toMatchObject({ count: results });

    const baseline = count('json', file);
    expect(baseline.status).not.toBe(0);
    expect(baseline.stderr).toMatch(/heap out of memory|Allocation failed/i);
  }, 400_000);

  // What a run keeps for its results (sarif-budget.ts) is bounded too. Without the budget, each of
  // these reports died out of memory under this cap (a million rules: 332 MB peak RSS uncapped;
  // two million artifacts: 335 MB); with it, the rules are refused once past their budget and the
  // artifacts past theirs are dropped, within the cap.
  const WIDE_HEAP_MB = 64;

  it(`refuses a SARIF run of a million rules within a ${WIDE_HEAP_MB} MB heap`, () => {
    const file = join(dir, 'rules.sarif');
    expect(writeWideSarif(file, { rules: 1_000_000, results: 1 }).bytes).toBeGreaterThan(50 * 1024 * 1024);
    const ours = count('stream', file, WIDE_HEAP_MB);
    expect(ours.stderr).not.toMatch(/heap out of memory/i);
    expect(ours.status).toBe(0);
    expect(JSON.parse(ours.stdout.trim())).toMatchObject({ count: 0, error: 'report_too_large' });
  }, 400_000);

  it(`ingests a SARIF run whose rules carry large non-score security-severity values within a ${WIDE_HEAP_MB} MB heap`, () => {
    // Each rule's security-severity is an array of 500,000 zeros (1 MB of JSON, some 4-8 MB as a
    // JS array): charged as nothing, 24 of them outgrew the cap. Only a score is kept now.
    const file = join(dir, 'scores.sarif');
    expect(writeWideSarif(file, { rules: 24, scoreItems: 500_000, results: 1 }).bytes).toBeGreaterThan(20 * 1024 * 1024);
    const ours = count('stream', file, WIDE_HEAP_MB);
    expect(ours.stderr).not.toMatch(/heap out of memory/i);
    expect(ours.status).toBe(0);
    expect(JSON.parse(ours.stdout.trim())).toEqual(expect.objectContaining({ count: 1 }));
  }, 400_000);

  it(`ingests a SARIF run whose tool.driver fields are large arrays within a ${WIDE_HEAP_MB} MB heap`, () => {
    // name, fullName, version, semanticVersion and organization each an array of 2,000,000 zeros
    // (4 MB of JSON, some 16-24 MB as a JS array): kept for the run whatever they were, the five
    // outgrew the cap. Only strings are read from them, and only strings are kept now.
    const field = `[${Array(2_000_000).fill(0).join(',')}]`;
    const driver = ['name', 'fullName', 'version', 'semanticVersion', 'organization'].map((f) => `"${f}":${field}`).join(',');
    const file = join(dir, 'driver.sarif');
    writeFileSync(file, `{"version":"2.1.0","runs":[{"tool":{"driver":{${driver}}},"results":[{"ruleId":"r","message":{"text":"m"}}]}]}`);
    const ours = count('stream', file, WIDE_HEAP_MB);
    expect(ours.stderr).not.toMatch(/heap out of memory/i);
    expect(ours.status).toBe(0);
    expect(JSON.parse(ours.stdout.trim())).toEqual(expect.objectContaining({ count: 1 }));
  }, 400_000);

  it(`ingests a SARIF run of two million artifacts within a ${WIDE_HEAP_MB} MB heap, dropping those past the budget`, () => {
    const file = join(dir, 'artifacts.sarif');
    expect(writeWideSarif(file, { artifacts: 2_000_000, results: 1 }).bytes).toBeGreaterThan(80 * 1024 * 1024);
    const ours = count('stream', file, WIDE_HEAP_MB);
    expect(ours.stderr).not.toMatch(/heap out of memory/i);
    expect(ours.status).toBe(0);
    expect(JSON.parse(ours.stdout.trim())).toEqual(expect.objectContaining({ count: 1 }));
    expect(JSON.parse(ours.stdout.trim())).not.toHaveProperty('error');
  }, 400_000);
});
