import { ReportError } from '../types';
import { DETECT_LIMIT } from './detect';
import { parseReport } from './index';
import { parseBytes, SOURCE } from './testkit';

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

  it('decides from keys after a large undecided prefix, and gives up past DETECT_LIMIT', async () => {
    const pad = (n: number) => `{"properties":{"note":"${'x'.repeat(n)}"},"version":"2.1.0","runs":[]}`;
    expect((await parseBytes(pad(1000))).error).toMatchObject({ code: 'report_empty', format: 'sarif' });
    expect((await parseBytes(pad(DETECT_LIMIT + 65536))).error).toMatchObject({ code: 'report_unsupported' });
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
