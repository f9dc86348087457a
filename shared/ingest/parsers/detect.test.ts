import { ReportError } from '../types';
import { DETECT_LIMIT, JSON_DETECT_LIMIT } from './detect';
import { parseReport } from './index';
import { MAX_TOKEN_BYTES } from './json-stream';
import { MAX_LINE_BYTES } from './jsonl';
import { dataOf, parseBytes, SOURCE } from './testkit';

describe('detection and limits', () => {
  it.each([
    ['an empty file', '', 'report_empty'],
    ['whitespace only', ' \n\t\r\n', 'report_empty'],
    ['an empty array', '[]', 'report_empty'],
    ['XML', '<?xml version="1.0"?><checkstyle/>', 'report_unsupported'],
    ['an unknown JSON object', '{"foo": 1, "bar": {"runs": 2}}', 'report_unsupported'],
    ['an array of numbers', '[1, 2]', 'report_unsupported'],
    ['text without a findings header', 'hello,world\n1,2\n', 'report_unsupported'],
    ['malformed JSON before any deciding key', '{"foo": tru}', 'report_invalid'],
  ])('%s -> %s', async (_, text, code) => {
    const got = await parseBytes(text);
    expect(got.error).toBeInstanceOf(ReportError);
    expect(got.error!.code).toBe(code);
  });

  it('detects JSON Lines whose first finding names only a cve, as it detects such a CSV header', async () => {
    const got = await parseBytes('{"cve":"CVE-2019-1549","package":"libssl","version":"1.1"}\n{"title":"x"}\n');
    expect(got).toMatchObject({ format: 'jsonl', count: 2 });
  });

  it.each([
    ['gzip', Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03]), /gzip/],
    ['UTF-16 with a byte order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('{"runs":[]}', 'utf16le')]), /UTF-16/],
    ['UTF-16 CSV with a byte order mark', Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('title,severity\nx,high\n', 'utf16le')]), /UTF-16/],
    ['UTF-16 without a byte order mark', Buffer.from('{"runs":[]}', 'utf16le'), /NUL bytes/],
    ['a ZIP archive', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x14, 0x00]), /ZIP/],
  ])('names why %s is not a report (report_unsupported)', async (_, bytes, reason) => {
    const got = await parseBytes(bytes);
    expect(got.error).toMatchObject({ code: 'report_unsupported', message: expect.stringMatching(reason) });
  });

  it('refuses a string longer than MAX_TOKEN_BYTES instead of buffering it', async () => {
    // Checked after each chunk: the string must outlast the limit by one chunk. It sits where no
    // finding reads it: inside a result, the smaller limit on one finding applies (json-limits.test.ts).
    const chunk = 1 << 20;
    const huge = `{"runs":[{"tool":{"driver":{"name":"t"}},"properties":{"note":"${'a'.repeat(MAX_TOKEN_BYTES + 2 * chunk)}"},"results":[{"ruleId":"R","message":{"text":"m"}}]}]}`;
    const got = await parseBytes(huge, { chunk });
    expect(got.error).toMatchObject({ code: 'report_invalid', format: 'sarif', message: expect.stringContaining('longer than') });
    expect(got.findings).toHaveLength(0);
  });

  it('decides from keys after a large undecided prefix, and gives up past JSON_DETECT_LIMIT', async () => {
    const pad = (n: number) => `{"properties":{"note":"${'x'.repeat(n)}"},"version":"2.1.0","runs":[]}`;
    expect((await parseBytes(pad(1000))).error).toMatchObject({ code: 'report_empty', format: 'sarif' });
    expect((await parseBytes(pad(DETECT_LIMIT + 65536))).error).toMatchObject({ code: 'report_empty', format: 'sarif' });
    expect((await parseBytes(pad(JSON_DETECT_LIMIT + 65536))).error).toMatchObject({ code: 'report_unsupported' });
  });

  it('detects JSON Lines whose first finding is longer than DETECT_LIMIT and names its title after it (a line may take MAX_LINE_BYTES)', async () => {
    const big = JSON.stringify({ description: 'x'.repeat(DETECT_LIMIT + 200_000), severity: 'high', title: 'A' });
    expect(big.length).toBeLessThan(MAX_LINE_BYTES);
    const got = await parseBytes(`${big}\n${JSON.stringify({ title: 'B', severity: 'low' })}\n`, { chunk: 65536 });
    expect(got.error).toBeUndefined();
    expect(got).toMatchObject({ format: 'jsonl', count: 2 });
    expect(got.findings.map((f) => dataOf(f).finding_info.title)).toEqual(['A', 'B']);
  });

  it('stops reading once maxBytes is passed', async () => {
    let pulled = 0;
    let closed = false;
    async function* source() {
      try {
        yield Buffer.from('{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t"}},"results":[');
        for (;;) {
          pulled += 1;
          yield Buffer.from('{"ruleId":"R","message":{"text":"m"}},');
        }
      } finally {
        closed = true;
      }
    }
    const it = parseReport(source(), SOURCE, { maxBytes: 4096 });
    let findings = 0;
    await expect((async () => {
      for await (const _ of it) findings += 1;
    })()).rejects.toMatchObject({ code: 'report_too_large' });
    expect(findings).toBeGreaterThan(0);
    expect(pulled).toBeLessThan(4096 / 38 + 2);
    expect(closed).toBe(true);
  });

  it('refuses at once when the object size is known to exceed maxBytes', async () => {
    expect((await parseBytes('{"runs":[]}', { maxBytes: 5, source: { size: 11 } })).error).toMatchObject({ code: 'report_too_large' });
  });
});
