import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_ARTIFACT_BYTES, MAX_RULE_BYTES, ruleCost } from './sarif-budget';
import { writeWideSarif } from './sarif-gen.testkit';
import { ruleInfo } from './sarif-run';
import { dataOf, parseBytes } from './testkit';

const MIB = 1024 * 1024;

describe('SARIF run budget (rules and artifacts kept for a run)', () => {
  let dir: string;
  beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'secorch-sarif-budget-'))));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const wide = (name: string, w: Parameters<typeof writeWideSarif>[1]) => {
    const file = join(dir, name);
    writeWideSarif(file, w);
    return parseBytes(readFileSync(file), { chunk: 256 * 1024 });
  };

  it('refuses a run whose rules exceed MAX_RULE_BYTES as report_too_large, at the rule that crossed it', async () => {
    const help = MIB;
    const got = await wide('rules.sarif', { rules: 40, helpBytes: help, results: 3 });
    const cost = ruleCost(ruleInfo({ id: 'r10', defaultConfiguration: { level: 'error' }, help: { text: 'h'.repeat(help) } }));
    const crossing = Math.floor(MAX_RULE_BYTES / cost); // the first index whose rule takes the total past the budget
    expect(got.findings).toHaveLength(0);
    expect(got.error).toMatchObject({ code: 'report_too_large', format: 'sarif', pointer: `/runs/0/tool/driver/rules/${crossing}` });
    expect(got.error!.message).toMatch(/^The rules of run 0 take more than 32 MiB/);
  }, 60_000);

  it('counts the rules of tool extensions against the same budget', async () => {
    const rule = (i: number) => ({ id: `q${i}`, help: { text: 'h'.repeat(MIB) } });
    const tool = { driver: { name: 'CodeQL', rules: Array.from({ length: 20 }, (_, i) => rule(i)) }, extensions: [{ name: 'pack', rules: Array.from({ length: 20 }, (_, i) => rule(100 + i)) }] };
    const got = await parseBytes(JSON.stringify({ version: '2.1.0', runs: [{ tool, results: [{ ruleId: 'q0', message: { text: 'm' } }] }] }), { chunk: 256 * 1024 });
    expect(got.error).toMatchObject({ code: 'report_too_large', pointer: expect.stringMatching(/^\/runs\/0\/tool\/extensions\/0\/rules\/1[0-9]$/) });
  }, 60_000);

  it('keeps rules within the budget, so their results take the rule level', async () => {
    const got = await wide('rules-ok.sarif', { rules: 24, helpBytes: MIB, results: 48 });
    expect(got.error).toBeUndefined();
    expect(got.count).toBe(48);
    expect(got.findings.map((f) => dataOf(f).severity_id)).toEqual(Array(48).fill(4)); // defaultConfiguration.level error
    expect(dataOf(got.findings[5]!).remediation?.desc).toHaveLength(MIB);
    expect(got.warnings).toBeUndefined();
  }, 60_000);

  it('drops artifacts past MAX_ARTIFACT_BYTES with a warning: results citing them keep the index', async () => {
    const uriBytes = 1000;
    const kept = Math.floor(MAX_ARTIFACT_BYTES / (32 + uriBytes));
    const artifacts = kept + 500;
    const got = await wide('artifacts.sarif', { artifacts, uriBytes, results: artifacts });
    expect(got.error).toBeUndefined();
    expect(got.count).toBe(artifacts);
    const fileOf = (i: number) => dataOf(got.findings[i]!).resources![0]!;
    expect(fileOf(0)).toMatchObject({ uid: expect.stringMatching(/^src\/f0\.jsx+$/), data: { start_line: 1 } });
    expect(fileOf(kept - 1).uid).toMatch(new RegExp(`^src/f${kept - 1}\\.jsx+$`));
    expect(fileOf(kept)).toEqual({ type: 'file', data: { start_line: kept + 1, artifact_index: kept } });
    expect(got.warnings).toEqual([{
      code: 'artifacts_dropped', count: 500, message: expect.stringMatching(/^500 run artifacts were beyond the memory budget/),
      items: [{ pointer: `/runs/0/artifacts/${kept}`, reason: `500 artifacts of run 0 from here on exceed 16 MiB` }],
    }]);
  }, 60_000);

  it('gives each run its own budget', async () => {
    // Two runs of 10 MB of artifacts each: 20 MB in all, but never more than 16 MiB at once.
    const run = (name: string) => ({
      tool: { driver: { name } },
      artifacts: Array.from({ length: 10_000 }, (_, i) => ({ location: { uri: `${name}/${'d'.repeat(1000)}/${i}.js` } })),
      results: [{ ruleId: 'r', message: { text: 'm' }, locations: [{ physicalLocation: { artifactLocation: { index: 9_999 } } }] }],
    });
    const got = await parseBytes(JSON.stringify({ version: '2.1.0', runs: [run('a'), run('b')] }), { chunk: 256 * 1024 });
    expect(got.error).toBeUndefined();
    expect(got.warnings).toBeUndefined();
    expect(got.findings.map((f) => dataOf(f).resources![0]!.uid)).toEqual([`a/${'d'.repeat(1000)}/9999.js`, `b/${'d'.repeat(1000)}/9999.js`]);
  }, 60_000);
});
