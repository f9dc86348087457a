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

  it('charges each rule at least the size of what is kept of it, whatever its properties hold', () => {
    // security-severity is a score (a number or a numeric string, severityFromScore): a rule may
    // put any JSON there, up to the 16 MB a selected value may take (json-limits.ts).
    const hostile = [
      { id: 'a', properties: { 'security-severity': Array(100_000).fill(0) } },
      { id: 'b', properties: { 'security-severity': { text: 'x'.repeat(100_000) } } },
      { id: 'c', properties: { 'security-severity': '9.8', tags: ['t'.repeat(1000)] }, messageStrings: { m: { text: 'y'.repeat(1000) } } },
    ];
    for (const rule of hostile) {
      const kept = ruleInfo(rule);
      expect(ruleCost(kept)).toBeGreaterThanOrEqual(JSON.stringify(kept).length);
    }
    // What a score can be is still kept.
    expect(ruleInfo({ properties: { 'security-severity': '9.8' } }).securitySeverity).toBe('9.8');
    expect(ruleInfo({ properties: { 'security-severity': 7.5 } }).securitySeverity).toBe(7.5);
  });

  it('charges every tool extension it keeps, so a flood of them is refused like a flood of rules', async () => {
    // Each `{"name":"x"}` (13 bytes of JSON) kept an extension entry of about 115 bytes of heap,
    // charged 1 byte: a 1 GiB report could keep some 9 GB.
    const got = await wide('extensions.sarif', { extensions: 300_000, results: 1 });
    expect(got.findings).toHaveLength(0);
    expect(got.error).toMatchObject({ code: 'report_too_large', format: 'sarif', pointer: expect.stringMatching(/^\/runs\/0\/tool\/extensions\/\d+\/name$/) });
    const at = Number(got.error!.pointer!.split('/')[5]);
    expect(at).toBeGreaterThan(50_000);
    expect(at).toBeLessThan(300_000);
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
