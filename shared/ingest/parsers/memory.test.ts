/**
 * Bounded memory, shown rather than asserted on timings: a ~20 MB SARIF file is counted in a
 * child process whose V8 heap is capped at HEAP_MB. The streaming parser completes with the
 * exact count; JSON.parse of the same file under the same cap dies out of memory, which shows
 * the cap is tight enough to mean something. (The streaming side also completes at 16 MB.)
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeLargeSarif } from './sarif-gen.testkit';

const HEAP_MB = 32;
const SCRIPT = join(__dirname, 'count-findings.testkit.ts');

function count(mode: 'stream' | 'json', file: string) {
  return spawnSync(process.execPath, ['--import', 'tsx', `--max-old-space-size=${HEAP_MB}`, SCRIPT, mode, file], {
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
});
