/**
 * The limits the streaming JSON reader (json-stream.ts) puts on a hostile report, beyond the
 * file size: nesting depth, and the size of one finding (the one value it must hold whole).
 */
import { MAX_DEPTH, MAX_VALUE_BYTES } from './json-limits';
import { dataOf, parseBytes } from './testkit';

const TOOL = '"tool":{"driver":{"name":"t"}}';
const result = (extra = '') => `{"ruleId":"R","message":{"text":"m"}${extra}}`;
/** A SARIF log whose one result holds `inResult` and whose run holds `inRun` (a part no finding reads). */
const sarif = (inResult: string, inRun = '') => `{"version":"2.1.0","runs":[{${TOOL},"results":[${result(inResult)}]${inRun}}]}`;
const nested = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
// Levels above a value in the result's properties: root, runs, run, results, result, properties.
const ABOVE_RESULT_VALUE = 6;

describe('JSON limits', () => {
  it('reads nesting up to MAX_DEPTH, in a result and in a part no finding reads', async () => {
    const got = await parseBytes(sarif(`,"properties":{"x":${nested(MAX_DEPTH - ABOVE_RESULT_VALUE)}}`, `,"properties":{"x":${nested(MAX_DEPTH - 4)}}`));
    expect(got).toMatchObject({ format: 'sarif', count: 1 });
  });

  it.each([
    ['in a result', sarif(`,"properties":{"x":${nested(MAX_DEPTH)}}`)],
    ['in a part no finding reads', sarif('', `,"invocations":${nested(MAX_DEPTH)}`)],
    ['in a Trivy report', `{"SchemaVersion":2,"Results":[{"Target":"t","Packages":${nested(MAX_DEPTH)}}]}`],
  ])('refuses JSON nested deeper than MAX_DEPTH %s (report_invalid)', async (_, text) => {
    const got = await parseBytes(text);
    expect(got.error).toMatchObject({ code: 'report_invalid', message: expect.stringContaining(`nested deeper than ${MAX_DEPTH}`) });
    expect(got.findings).toHaveLength(0);
  });

  // @streamparser/json scans its whole stack each time a value it does not select closes: 200,000
  // levels (400 kB) took over a minute, and memory grew by some 230 bytes a level.
  it('refuses 200,000 levels of nesting at once', async () => {
    const got = await parseBytes(sarif('', `,"invocations":${nested(200_000)}`), { chunk: 65536 });
    expect(got.error).toMatchObject({ code: 'report_invalid' });
  }, 5000);

  it('refuses one finding larger than MAX_VALUE_BYTES, naming it, instead of holding it', async () => {
    const mb = `"${'x'.repeat(1 << 20)}"`;
    const big = `,"properties":{"x":[${Array.from({ length: MAX_VALUE_BYTES / (1 << 20) + 1 }, () => mb).join(',')}]}`;
    const text = `{"version":"2.1.0","runs":[{${TOOL},"results":[${result()},${result(big)}]}]}`;
    for (const chunk of [1 << 20, text.length]) {
      const got = await parseBytes(text, { chunk });
      expect(got.error).toMatchObject({ code: 'report_invalid', format: 'sarif', pointer: '/runs/0/results/1', message: expect.stringContaining(`${MAX_VALUE_BYTES} bytes`) });
      expect(got.findings.length).toBeLessThanOrEqual(1);
    }
  });

  it('reads a report whose parts no finding reads are larger than MAX_VALUE_BYTES (they are never held)', async () => {
    const invocation = JSON.stringify({ executionSuccessful: true, toolExecutionNotifications: [{ message: { text: 'x'.repeat(1000) } }] });
    const count = Math.ceil(MAX_VALUE_BYTES / invocation.length) + 1;
    const got = await parseBytes(sarif('', `,"invocations":[${Array.from({ length: count }, () => invocation).join(',')}]`), { chunk: 1 << 20 });
    expect(got).toMatchObject({ format: 'sarif', count: 1 });
    expect(dataOf(got.findings[0]!).finding_info.title).toBe('m');
  });
});
