/**
 * Results that cite their file by artifact index (3.4.5) are resolved through the run's
 * `artifacts`, which SARIF lets a run list after its results (JSON member order is free): the
 * finding must be the same whatever the order, within a bound on what is held.
 */
import { MAX_PENDING } from './pending';
import { dataOf, parseBytes } from './testkit';

const tool = { driver: { name: 'T', rules: [{ id: 'R1' }] } };
const artifacts = [{ location: { uri: 'src/a.c' } }, { location: { uri: 'src/b.c' } }];
const byIndex = (i: number, line = 3) => ({ ruleId: 'R1', message: { text: `m${i}` }, locations: [{ physicalLocation: { artifactLocation: { index: i % 2 }, region: { startLine: line } } }] });
const byUri = { ruleId: 'R1', message: { text: 'by uri' }, locations: [{ physicalLocation: { artifactLocation: { uri: 'src/c.c' } } }] };
/** A run with its members in the order given (JSON.stringify keeps insertion order). */
const report = (...members: [string, unknown][]) => JSON.stringify({ version: '2.1.0', runs: [Object.fromEntries(members)] });
const files = (got: Awaited<ReturnType<typeof parseBytes>>) => got.findings.map((f) => dataOf(f).resources?.[0]?.uid);

describe('SARIF results listed before their run\'s artifacts', () => {
  const results = [byIndex(0), byUri, byIndex(1)];

  it.each([
    ['tool, results, artifacts', [['tool', tool], ['results', results], ['artifacts', artifacts]]],
    ['results, tool, artifacts', [['results', results], ['tool', tool], ['artifacts', artifacts]]],
    ['results, artifacts, tool', [['results', results], ['artifacts', artifacts], ['tool', tool]]],
  ] as [string, [string, unknown][]][])('keep their file and uid (%s): the same findings as artifacts first', async (_, members) => {
    const first = await parseBytes(report(['tool', tool], ['artifacts', artifacts], ['results', results]));
    const got = await parseBytes(report(...members), { chunk: 7 });
    expect(got.error).toBeUndefined();
    expect(got.warnings).toBeUndefined();
    const byKey = (g: typeof got) => Object.fromEntries(g.findings.map((f) => [f.key, [f.subject, dataOf(f).resources]]));
    expect(byKey(got)).toEqual(byKey(first));
    expect(files(got).sort()).toEqual(['src/a.c', 'src/b.c', 'src/c.c']);
  });

  it('are held within MAX_PENDING: those beyond are published at once, with the index, and an artifacts_late warning', async () => {
    const many = Array.from({ length: MAX_PENDING + 3 }, (_, i) => byIndex(i, i + 1));
    const got = await parseBytes(report(['tool', tool], ['results', many], ['artifacts', artifacts]));
    expect(got.error).toBeUndefined();
    expect(got.count).toBe(MAX_PENDING + 3);
    const late = got.findings.filter((f) => dataOf(f).resources![0]!.uid === undefined);
    expect(late.map((f) => dataOf(f).resources![0]!.data)).toEqual([
      { start_line: MAX_PENDING + 1, artifact_index: 0 }, { start_line: MAX_PENDING + 2, artifact_index: 1 }, { start_line: MAX_PENDING + 3, artifact_index: 0 },
    ]);
    expect(got.warnings).toEqual([{
      code: 'artifacts_late', count: 3, message: expect.stringMatching(/^3 results cited an artifact by index before their run's artifacts/),
      items: [{ pointer: `/runs/0/results/${MAX_PENDING}`, reason: expect.stringContaining('list the artifacts before the results') }],
    }]);
  }, 60_000);

  it('are published at the end of a run that lists no artifacts, without a warning (nothing was lost)', async () => {
    const got = await parseBytes(report(['tool', tool], ['results', [byIndex(0), byUri]]));
    expect(files(got)).toEqual(['src/c.c', undefined]);
    expect(dataOf(got.findings[1]!).resources![0]!.data).toEqual({ start_line: 3, artifact_index: 0 });
    expect(got.warnings).toBeUndefined();
  });
});
