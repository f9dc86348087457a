/**
 * What a SARIF run holds beyond its rules and artifacts, and text beyond Latin-1: the tool's
 * own fields (tool.driver.name, version, ...), results that precede the run's tool, and
 * two-byte strings, each charged as V8 holds it (heap-cost.ts, sarif-budget.ts, pending.ts).
 */
import { charBytes, stringCost, valueCost } from './heap-cost';
import { MAX_PENDING_BYTES } from './pending';
import { MAX_ARTIFACT_BYTES, MAX_RULE_BYTES, RunBudget, ruleCost } from './sarif-budget';
import { ruleInfo } from './sarif-run';
import { dataOf, parseBytes } from './testkit';

const MIB = 1024 * 1024;
const here = () => '/runs/0/artifacts/0';

describe('text beyond Latin-1 is charged at two bytes per character', () => {
  it('tells two-byte strings from one-byte ones', () => {
    expect(charBytes('a'.repeat(1000))).toBe(1000);
    expect(charBytes('é'.repeat(1000))).toBe(1000); // Latin-1: one byte each in V8
    expect(charBytes(`${'a'.repeat(999)}中`)).toBe(2000); // one CJK character makes the whole string two-byte
    expect(charBytes('😀')).toBe(4); // a surrogate pair: two UTF-16 units
    expect(stringCost('中'.repeat(1000))).toBeGreaterThanOrEqual(2000);
  });

  it('charges a rule whose text is CJK at two bytes per character', () => {
    const text = '中'.repeat(100_000);
    const cost = ruleCost(ruleInfo({ id: 'r', shortDescription: { text }, help: { text }, messageStrings: { m: { text } } }));
    expect(cost).toBeGreaterThanOrEqual(3 * 2 * text.length);
    // Latin-1 text stays at one byte per character: reports within the budget are unchanged.
    const latin = 'é'.repeat(100_000);
    expect(ruleCost(ruleInfo({ id: 'r', help: { text: latin } }))).toBeLessThan(2 * latin.length);
  });

  it('drops an artifact whose two-byte URI exceeds the artifact budget', () => {
    const chars = Math.ceil((MAX_ARTIFACT_BYTES * 0.6));
    expect(new RunBudget(0).admitArtifact('é'.repeat(chars), here)).toBe(true);
    expect(new RunBudget(0).admitArtifact('中'.repeat(chars), here)).toBe(false);
  });

  it('refuses a run whose CJK rule text exceeds the rule budget at two bytes per character', async () => {
    // 18 rules of 1 Mi CJK characters: 18 MiB charged at one byte each (ingested), 36 MiB at two.
    const rules = Array.from({ length: 18 }, (_, i) => ({ id: `r${i}`, help: { text: '中'.repeat(MIB) } }));
    const got = await parseBytes(JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 't', rules } }, results: [{ ruleId: 'r0', message: { text: 'm' } }] }] }), { chunk: 256 * 1024 });
    const crossing = Math.floor(MAX_RULE_BYTES / ruleCost(ruleInfo(rules[0])));
    expect(got.error).toMatchObject({ code: 'report_too_large', format: 'sarif', pointer: `/runs/0/tool/driver/rules/${crossing}` });
  }, 60_000);
});

describe('tool.driver fields are charged with the rules', () => {
  const report = (driver: Record<string, unknown>) =>
    JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver }, results: [{ ruleId: 'r', message: { text: 'm' } }] }] });

  it('refuses a run whose tool name and full name take more than the rule budget', async () => {
    // Each is one string within the 32 MiB a token may take (json-stream.ts); together 34 MiB.
    const got = await parseBytes(report({ name: 'n'.repeat(17 * MIB), fullName: 'f'.repeat(17 * MIB) }), { chunk: 1024 * 1024 });
    expect(got.findings).toHaveLength(0);
    expect(got.error).toMatchObject({ code: 'report_too_large', format: 'sarif', pointer: '/runs/0/tool/driver/fullName' });
  }, 60_000);

  it('still reads the tool from its fields, and ignores fields that are not strings', async () => {
    const got = await parseBytes(report({ name: 'Scanner', fullName: 'Scanner 中', version: '1.2', organization: ['not', 'a', 'string'] }));
    expect(got.error).toBeUndefined();
    expect(dataOf(got.findings[0]!).metadata.product).toEqual({ name: 'Scanner 中', vendor_name: 'Unknown', feature: { name: 'Scanner', version: '1.2' } });
  });
});

describe('results that precede their run\'s tool are bounded in bytes', () => {
  // A result of 100,000 empty objects: 300 kB of JSON, some 7 MB of heap once parsed. 5000 of
  // them (the count cap) would hold 34 GB; MAX_PENDING_BYTES is crossed within 16.
  const heavy = (i: number) => ({ ruleId: 'r', message: { text: `m${i}` }, properties: { pad: Array.from({ length: 100_000 }, () => ({})) } });

  it('refuses with report_too_large at the result that crossed MAX_PENDING_BYTES', async () => {
    const results = Array.from({ length: 16 }, (_, i) => heavy(i));
    const got = await parseBytes(JSON.stringify({ version: '2.1.0', runs: [{ results, tool: { driver: { name: 't' } } }] }), { chunk: 256 * 1024 });
    const crossing = Math.floor(MAX_PENDING_BYTES / valueCost(heavy(0)));
    expect(crossing).toBeLessThan(16);
    expect(got.findings).toHaveLength(0);
    expect(got.error).toMatchObject({ code: 'report_too_large', format: 'sarif', pointer: `/runs/0/results/${crossing}` });
    expect(got.error!.message).toMatch(/^The results that precede the tool take more than 96 MiB \(at \/runs\/0\/results\/\d+\); list the tool first/);
  }, 60_000);

  it('ingests the same results when the tool comes first (they are not held)', async () => {
    const results = Array.from({ length: 8 }, (_, i) => heavy(i));
    const got = await parseBytes(JSON.stringify({ version: '2.1.0', runs: [{ tool: { driver: { name: 't' } }, results }] }), { chunk: 256 * 1024 });
    expect(got.error).toBeUndefined();
    expect(got.count).toBe(8);
  }, 60_000);

  it('charges each run its own held results', async () => {
    const run = { results: Array.from({ length: 3 }, (_, i) => heavy(i)), tool: { driver: { name: 't' } } };
    expect(3 * valueCost(heavy(0))).toBeLessThan(MAX_PENDING_BYTES);
    const got = await parseBytes(JSON.stringify({ version: '2.1.0', runs: [run, run, run] }), { chunk: 256 * 1024 });
    expect(got.error).toBeUndefined();
    expect(got.count).toBe(9);
  }, 60_000);

  it('bounds Trivy items held before their Target the same way', async () => {
    const item = (i: number) => ({ RuleID: `r${i}`, Title: 'T', Pad: Array.from({ length: 100_000 }, () => ({})) });
    const Secrets = Array.from({ length: 16 }, (_, i) => item(i));
    const got = await parseBytes(JSON.stringify({ SchemaVersion: 2, ArtifactName: 'img', Results: [{ Secrets, Target: 'deploy.sh' }] }), { chunk: 256 * 1024 });
    const crossing = Math.floor(MAX_PENDING_BYTES / valueCost(item(0)));
    expect(got.error).toMatchObject({ code: 'report_too_large', format: 'trivy', pointer: `/Results/0/Secrets/${crossing}` });
  }, 60_000);
});
