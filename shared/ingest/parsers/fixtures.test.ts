/**
 * Every report in ../shared/fixtures/scanner (see SOURCES.md there), parsed whole. Expected
 * counts were computed once from the files with node (JSON.parse, then for SARIF the sum of
 * runs[].results.length, for Trivy JSON the sum of each Results[] entry's Vulnerabilities,
 * Misconfigurations and Secrets lengths, for ASFF Findings.length) and written down here.
 */
import { readdirSync } from 'node:fs';
import { fixturePath } from '../../../test/fixtures';
import { parseFixture } from './testkit';

const EXPECTED: Record<string, number | string> = {
  'codeql-action-empty-sarif.sarif': 'report_empty', // one run, results: []
  'codeql-action-fingerprinting.input.sarif': 2,
  'codeql-action-invalid-sarif.sarif': 'report_invalid', // results: 42
  'codeql-action-tool-names.sarif': 'report_scan_failed', // five runs, none has results (absent: the tools did not run)
  'codeql-action-valid-sarif.sarif': 3, // 1 + 2 over two runs
  'codeql-action-with-invalid-uri.sarif': 1,
  'trivy-alpine-310.asff.json': 4,
  'trivy-alpine-310.json': 4, // 4 Vulnerabilities
  'trivy-alpine-310.sarif.json': 4,
  'trivy-dockerfile.json': 1, // 1 Misconfiguration (MisconfSummary counts 26 successes, not listed)
  'trivy-fluentd-gems.json': 2, // 1 + 1 Vulnerabilities in two targets
  'trivy-secrets.asff.json': 2,
  'trivy-secrets.json': 2, // 2 Secrets
  'sarif-tutorials/Baseline.sarif': 4,
  'sarif-tutorials/Catastrophic_execution_error.sarif': 'report_scan_failed', // a run without results, its invocation failed
  'sarif-tutorials/CodeFlows.sarif': 1,
  'sarif-tutorials/Empty_runs.sarif': 'report_empty', // runs: []
  'sarif-tutorials/No_runs.sarif': 'report_scan_failed', // runs: null (the producer failed)
  'sarif-tutorials/RegionVariants.sarif': 18,
  'sarif-tutorials/RuleMetadata.sarif': 1,
  'sarif-tutorials/Suppressions.sarif': 9,
  'sarif-tutorials/Taxonomies.sarif': 2,
  'sarif-tutorials/bad-eval-with-code-flow.sarif': 1,
  'sarif-tutorials/simple-example.sarif': 1,
  'sarif-tutorials/standard-taxonomy.sarif': 1,
};

const FORMAT = (file: string): string =>
  file.endsWith('.asff.json') ? 'asff' : file.endsWith('.sarif') || file.endsWith('.sarif.json') ? 'sarif' : 'trivy';

describe('scanner fixtures', () => {
  it('covers every report in the fixture folder', () => {
    const dir = fixturePath('scanner');
    const files = [
      ...readdirSync(dir).filter((f) => f.includes('.')),
      ...readdirSync(`${dir}/sarif-tutorials`).filter((f) => f.endsWith('.sarif')).map((f) => `sarif-tutorials/${f}`),
    ];
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  it.each(Object.entries(EXPECTED))('%s -> %s', async (file, expected) => {
    const got = await parseFixture(file);
    if (typeof expected === 'number') {
      expect(got.error).toBeUndefined();
      expect(got.findings).toHaveLength(expected);
      expect(got).toMatchObject({ format: FORMAT(file), count: expected });
    } else {
      expect(got.error?.code).toBe(expected);
      expect(got.findings).toHaveLength(0);
    }
  });

  it.each(Object.entries(EXPECTED).filter(([, e]) => typeof e === 'number'))('%s is stable across parses and chunkings', async (file) => {
    const a = await parseFixture(file, { chunk: 65536 });
    const b = await parseFixture(file, { chunk: 7 });
    expect(b.findings).toEqual(a.findings);
    const keys = a.findings.map((f) => f.key);
    expect(new Set(keys).size).toBe(keys.length);
    for (const f of a.findings) {
      // Suppressed (3) and Resolved (4) findings close; every other one is created (lifecycle.test.ts).
      const status = (f.data as { status_id: number }).status_id;
      expect(f.type).toBe(status === 3 || status === 4 ? 'secorch.finding.resolved' : 'secorch.finding.created');
      expect(f.subject).toBe((f.data as { finding_info: { uid: string } }).finding_info.uid);
      expect((f.data as { unmapped: { report: unknown } }).unmapped.report).toEqual({ bucket: 'reports', key: file, version: 'v1', format: FORMAT(file), pointer: expect.any(String) });
    }
  });
});
