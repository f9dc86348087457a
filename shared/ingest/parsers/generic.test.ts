import { asffUid } from '../../mappers/aws';
import { trivySecrets } from '../../mappers/aws/fixtures.testkit';
import { MAX_LINE_BYTES } from './jsonl';
import { MAX_WARNING_ITEMS } from './warnings';
import { dataOf, parseBytes } from './testkit';

const lines = (...xs: unknown[]) => xs.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join('\n');

describe('JSON Lines', () => {
  it('maps generic findings with aliases, location and severity words or scores', async () => {
    const got = await parseBytes(lines(
      { title: 'Hardcoded password', severity: 'HIGH', rule_id: 'S2068', location: 'src/db.ts:12', tool: 'sonar', Extra: 'kept' },
      '',
      { ruleId: 'S1', Severity: 9.8, resource: { type: 'bucket', id: 'arn:aws:s3:::b' }, location: { path: 'x.tf', line: 3 } },
      { name: 'openssl', cve: 'CVE-2019-1549', package: 'libssl', installed_version: '1.1', fixed_in: '1.2' },
    ));
    expect(got.format).toBe('jsonl');
    const [a, b, c] = got.findings.map(dataOf);
    expect(a).toMatchObject({ class_uid: 2004, severity_id: 4, finding_info: { title: 'Hardcoded password', analytic: { uid: 'S2068' } }, metadata: { product: { name: 'sonar' } }, unmapped: { fields: { Extra: 'kept' } } });
    expect(a!.resources).toEqual([{ type: 'file', uid: 'src/db.ts', name: 'src/db.ts', data: { start_line: 12 } }]);
    expect(b).toMatchObject({ severity_id: 5, finding_info: { title: 'S1' }, resources: [{ type: 'bucket', uid: 'arn:aws:s3:::b' }, { uid: 'x.tf', data: { start_line: 3 } }] });
    expect(c).toMatchObject({ class_uid: 2002, vulnerabilities: [{ cve: { uid: 'CVE-2019-1549' }, affected_packages: [{ name: 'libssl', version: '1.1', fixed_in_version: '1.2' }] }] });
    expect(got.findings.map((f) => f.key.split('#')[0])).toEqual(['jsonl:line 1', 'jsonl:line 3', 'jsonl:line 4']);
  });

  it('maps ASFF lines with the Security Hub mapper', async () => {
    const got = await parseBytes(lines(...trivySecrets()));
    expect(got.format).toBe('jsonl');
    expect(got.findings.map((f) => f.subject)).toEqual(trivySecrets().map((f) => asffUid(f)));
  });

  it('gives a finding the same uid in another report when its fingerprint is the same', async () => {
    const a = await parseBytes(lines({ title: 'x', fingerprint: 'fp-1' }), { source: { key: 'one' } });
    const b = await parseBytes(lines({ title: 'y' }, { title: 'x (renamed)', fingerprint: 'fp-1' }), { source: { key: 'two' } });
    expect(b.findings[1]!.subject).toBe(a.findings[0]!.subject);
    const other = await parseBytes(lines({ title: 'x', fingerprint: 'fp-1' }), { source: { bucket: 'elsewhere' } });
    expect(other.findings[0]!.subject).not.toBe(a.findings[0]!.subject);
  });

  it.each([
    ['a malformed line', lines({ title: 'ok' }, '{"title": '), 'line 2', /^Malformed JSON/],
    ['a line that is not an object', lines({ title: 'ok' }, '[1]'), 'line 2', /must be a JSON object/],
    ['a finding without title, rule or cve', lines({ title: 'ok' }, { rule: 'r' }, { severity: 'low', title: null, file: 'a' }), 'line 3', /needs a title, a rule or a cve/],
    ['a mistyped field', lines({ title: 'ok' }, { title: 'x', line: 'twelve' }), 'line 2/line', /^Field `line`/],
  ])('ingests the other lines around %s, and the summary says which line was refused and why', async (_, text, pointer, reason) => {
    const got = await parseBytes(text);
    expect(got.error).toBeUndefined();
    expect(got.count).toBe(got.findings.length);
    expect(got.findings.length).toBeGreaterThan(0);
    expect(got.warnings).toEqual([{ code: 'lines_refused', message: expect.stringMatching(/^1 line was refused/), count: 1, items: [{ pointer, reason: expect.stringMatching(reason) }] }]);
  });

  it.each([
    ['a log line', 'WARN  scan took 12s'],
    ['a malformed line', '{"title": "cut sh'],
    ['an object that is no finding', '{"scanner":"x","started":"2026-01-01T00:00:00Z"}'],
    ['a line that is not an object', '[1]'],
    ['an empty list', '[]'],
  ])('refuses a first line that is %s alone, as it does any other line', async (_, first) => {
    // A scanner's banner or warning written to stdout before its findings lands on line 1.
    const got = await parseBytes(lines(first, { title: 'a', rule: 'r1' }, { title: 'b', rule: 'r2' }));
    expect(got.error).toBeUndefined();
    expect(got).toMatchObject({ format: 'jsonl', count: 2 });
    expect(got.warnings).toEqual([expect.objectContaining({ code: 'lines_refused', count: 1, items: [expect.objectContaining({ pointer: 'line 1' })] })]);
  });

  it.each([
    ['an unknown JSON object', '{"foo": 1, "bar": {"runs": 2}}', 'report_unsupported'],
    ['a pretty-printed unknown document', JSON.stringify({ bomFormat: 'CycloneDX', components: [{ name: 'x' }] }, null, 2), 'report_unsupported'],
    ['malformed JSON', '{"foo": tru}\n{"bar": 1}', 'report_invalid'],
    ['a list of findings written one per line', lines('[', `${JSON.stringify({ title: 'a' })},`, JSON.stringify({ title: 'b' }), ']'), 'report_unsupported'],
  ])('still refuses %s whose later lines are no findings either', async (_, text, code) => {
    expect((await parseBytes(text)).error).toMatchObject({ code });
  });

  it('keeps the good lines of a real-world mixed file and accounts for every bad one (trivy-secrets.asff.json as JSON Lines)', async () => {
    // Two ASFF findings Trivy wrote (../shared/fixtures/scanner), one per line, with a truncated
    // write, a log line and a record without identity around them.
    const [a, b] = trivySecrets();
    const text = lines(a, 'WARN  scan took 12s', { ...b, Id: undefined, ProductArn: undefined, AwsAccountId: undefined, Title: undefined }, b, JSON.stringify(a).slice(0, 40), { title: 'generic', rule: 'r' });
    const got = await parseBytes(text);
    expect(got.error).toBeUndefined();
    expect(got.findings.map((f) => f.key.split('#')[0])).toEqual(['jsonl:line 1', 'jsonl:line 4', 'jsonl:line 6']);
    expect(got.findings.slice(0, 2).map((f) => f.subject)).toEqual([asffUid(a!), asffUid(b!)]);
    expect(got.warnings).toHaveLength(1);
    expect(got.warnings![0]).toMatchObject({ code: 'lines_refused', count: 3 });
    expect(got.warnings![0]!.items.map((i) => i.pointer)).toEqual(['line 2', 'line 3', 'line 5']);
  });

  it.each([
    ['no line is a valid finding', lines({ title: 'x', line: 'twelve' }, '', '{'), 'line 1/line', /no line is a valid finding \(2 refused\) \(line 1\/line: Field `line`.*; line 3: Malformed JSON/],
    ['more lines are refused than ingested', lines({ title: 'ok' }, '{', 'not json', '', { title: 'ok too' }, '[]'), 'line 2', /3 lines refused, 2 ingested/],
  ])('is report_invalid when %s', async (_, text, pointer, message) => {
    const got = await parseBytes(text);
    expect(got.error).toMatchObject({ code: 'report_invalid', format: 'jsonl', pointer, message: expect.stringMatching(message) });
  });

  it('counts every refused line but lists only the first MAX_WARNING_ITEMS', async () => {
    const good = Array.from({ length: 300 }, (_, i) => ({ title: `t${i}` }));
    const bad = Array.from({ length: 250 }, () => '{oops');
    const got = await parseBytes(lines(good[0], ...bad, ...good.slice(1)));
    expect(got.count).toBe(300);
    expect(got.warnings![0]).toMatchObject({ code: 'lines_refused', count: 250, message: expect.stringMatching(/^250 lines were refused/) });
    expect(got.warnings![0]!.items).toHaveLength(MAX_WARNING_ITEMS);
    expect(got.warnings![0]!.items[99]!.pointer).toBe('line 101');
  });

  it('has no warnings for a clean file', async () => {
    expect((await parseBytes(lines({ title: 'a' }, { title: 'b' }))).warnings).toBeUndefined();
  });

  it('refuses a line longer than MAX_LINE_BYTES at that line, after the findings before it', async () => {
    const got = await parseBytes(`${lines({ title: 'ok' }, '', { title: 'ok too' })}\n{"title": "${'x'.repeat(MAX_LINE_BYTES)}"}\n`);
    expect(got.findings).toHaveLength(2);
    expect(got.error).toMatchObject({ code: 'report_invalid', format: 'jsonl', pointer: 'line 4', message: expect.stringContaining('Line longer than') });
  });

  it('keeps fields named like Object.prototype members, and a __proto__ key changes nothing', async () => {
    const got = await parseBytes(lines({ title: 'x', constructor: 'c', toString: 't', hasOwnProperty: 'h' }, '{"__proto__":{"title":"injected","severity":"critical"},"rule":"r"}'));
    const [a, b] = got.findings.map(dataOf);
    expect(a!.unmapped).toMatchObject({ fields: { constructor: 'c', toString: 't', hasOwnProperty: 'h' } });
    expect(b).toMatchObject({ severity_id: 0, finding_info: { title: 'r' } });
    const csv = await parseBytes('title,constructor\nx,c\n');
    expect(dataOf(csv.findings[0]!).unmapped).toMatchObject({ fields: { constructor: 'c' } });
  });

  it('reads CRLF lines and a BOM', async () => {
    const got = await parseBytes(`\uFEFF${JSON.stringify({ title: 'a' })}\r\n${JSON.stringify({ title: 'b' })}\r\n`);
    expect(got.findings.map((f) => dataOf(f).finding_info)).toMatchObject([{ title: 'a' }, { title: 'b' }]);
  });
});

describe('CSV', () => {
  it('maps one finding per row with case-insensitive headers and aliases', async () => {
    const got = await parseBytes('\uFEFFTitle,Severity,Rule ID,File,Line,Description\r\n"SQL injection, in login",critical,java/sqli,src/Login.java,42,"said ""hi"""\r\nWeak hash,Low,java/md5,src/Hash.java,,\r\n');
    expect(got).toMatchObject({ format: 'csv', count: 2 });
    const [a, b] = got.findings.map(dataOf);
    expect(a).toMatchObject({ severity_id: 5, finding_info: { title: 'SQL injection, in login', desc: 'said "hi"', analytic: { uid: 'java/sqli' } }, resources: [{ uid: 'src/Login.java', data: { start_line: 42 } }] });
    expect(b).toMatchObject({ severity_id: 2, resources: [{ uid: 'src/Hash.java', data: {} }] });
    expect(got.findings.map((f) => f.key.split('#')[0])).toEqual(['csv:line 2', 'csv:line 3']);
  });

  it('detects the delimiter from the header', async () => {
    const got = await parseBytes('name;risk;host\nOpen port;medium;10.0.0.1\n');
    expect(dataOf(got.findings[0]!)).toMatchObject({ severity_id: 3, finding_info: { title: 'Open port' }, resources: [{ type: 'resource', uid: '10.0.0.1' }] });
  });

  it('is report_invalid for a row with the wrong number of fields', async () => {
    expect((await parseBytes('title,severity\nA,high\nB,low,extra\n')).error).toMatchObject({ code: 'report_invalid', format: 'csv', pointer: 'line 3' });
  });

  it('refuses a CSV or JSON Lines file that is not UTF-8 (Windows-1252 from Excel) at the line, and reads UTF-8 split anywhere', async () => {
    const csv = await parseBytes(Buffer.from('title,severity\nok,low\ncaf\xe9,high\n', 'latin1'));
    expect(csv.error).toMatchObject({ code: 'report_invalid', format: 'csv', pointer: 'line 3', message: expect.stringContaining('UTF-8') });
    const jsonl = await parseBytes(Buffer.from('{"title":"ok"}\n{"title":"caf\xe9"}\n', 'latin1'));
    expect(jsonl.error).toMatchObject({ code: 'report_invalid', format: 'jsonl', pointer: 'line 2' });
    const utf8 = await parseBytes('title,severity\nok,low\ncafé \u{1F48E},high\n', { chunk: 1 });
    expect(utf8.findings.map((f) => dataOf(f).finding_info.title)).toEqual(['ok', 'café \u{1F48E}']);
  });

  it('is report_empty for a header without rows', async () => {
    expect((await parseBytes('title,severity\n')).error).toMatchObject({ code: 'report_empty', format: 'csv' });
  });
});
