import { dataOf, parseBytes } from './testkit';

const titles = (got: Awaited<ReturnType<typeof parseBytes>>) => got.findings.map((f) => dataOf(f).finding_info.title);

describe('CSV header', () => {
  it('reads a quoted header cell that holds the delimiter as one column, as the rows are read', async () => {
    const got = await parseBytes('"Rule, ID",Title,Severity\r\nR1,T1,high\r\n');
    expect(got.error).toBeUndefined();
    expect(got).toMatchObject({ format: 'csv', count: 1 });
    // No generic field is named "Rule, ID": the column rides under its own name.
    expect(dataOf(got.findings[0]!)).toMatchObject({ severity_id: 4, finding_info: { title: 'T1' }, unmapped: { fields: { 'Rule, ID': 'R1' } } });
  });

  it('picks the delimiter outside quotes: a quoted header cell full of commas in a semicolon file', async () => {
    const got = await parseBytes('Title;"Notes, one, two, three";Severity;File\nA, b;n;high;x.c\n', { chunk: 3 });
    expect(got.error).toBeUndefined();
    expect(titles(got)).toEqual(['A, b']);
    expect(dataOf(got.findings[0]!).resources).toEqual([expect.objectContaining({ uid: 'x.c' })]);
  });
});

describe('CSV `id` column', () => {
  it('names the rule when no other column does, as `rule_id` would: a header of id, severity and file is a report', async () => {
    const got = await parseBytes('id,severity,file\nSQLI-1,high,app.py\n');
    expect(got.error).toBeUndefined();
    expect(dataOf(got.findings[0]!)).toMatchObject({ severity_id: 4, finding_info: { title: 'SQLI-1', analytic: { uid: 'SQLI-1' } }, resources: [{ uid: 'app.py' }] });
  });

  it('keeps two findings of one rule in two files apart (the rule id is no finding id)', async () => {
    const got = await parseBytes('id,severity,path,message\nSQLI-1,high,app.py,SQL injection\nSQLI-1,high,b.py,SQL injection\n');
    expect(got.findings.map((f) => dataOf(f).finding_info.analytic?.uid)).toEqual(['SQLI-1', 'SQLI-1']);
    expect(new Set(got.findings.map((f) => f.subject)).size).toBe(2);
    // The same rows under `rule_id` are the same findings.
    const ruleId = await parseBytes('rule_id,severity,path,message\nSQLI-1,high,app.py,SQL injection\nSQLI-1,high,b.py,SQL injection\n');
    expect(ruleId.findings.map((f) => f.subject)).toEqual(got.findings.map((f) => f.subject));
  });

  it('is the finding\'s own id beside a rule column, as `finding_id` and `uid` always are', async () => {
    const own = await parseBytes('id,rule_id,title,file\nF-1,java/sqli,SQL injection,a.java\nF-2,java/sqli,SQL injection,a.java\n');
    expect(own.findings.map((f) => dataOf(f).finding_info.analytic?.uid)).toEqual(['java/sqli', 'java/sqli']);
    // Its id is its fingerprint: the same id is the same finding wherever the row moves.
    const moved = await parseBytes('id,rule_id,title,file\nF-1,java/sqli,SQL injection,b.java\n');
    expect(moved.findings[0]!.subject).toBe(own.findings[0]!.subject);
    expect(own.findings[1]!.subject).not.toBe(own.findings[0]!.subject);
    const named = await parseBytes('finding_id,title,file\nF-1,SQL injection,a.java\n');
    expect(dataOf(named.findings[0]!).finding_info.analytic).toBeUndefined();
  });

  it('leaves JSON Lines alone: `id` is the finding\'s own id there, and names no rule', async () => {
    expect((await parseBytes('{"id":"SQLI-1","severity":"high"}\n')).error).toMatchObject({ code: 'report_unsupported' });
    const a = await parseBytes('{"id":"F-1","title":"SQL injection","file":"a.py"}\n');
    const b = await parseBytes('{"id":"F-1","title":"SQL injection","file":"b.py"}\n');
    expect(dataOf(a.findings[0]!).finding_info.analytic).toBeUndefined();
    expect(b.findings[0]!.subject).toBe(a.findings[0]!.subject);
  });
});

describe('blank lines before the header', () => {
  // csv-parse skips empty lines (skip_empty_lines), so the first line that is not empty is the
  // header the rows are read with; detection reads the same line.
  it.each([
    ['one blank line', '\nTitle,Rule,Severity\nSQL injection,java/sql-injection,high\n'],
    ['CRLF blank lines after a BOM', '\uFEFF\r\n\r\nTitle,Rule,Severity\r\nSQL injection,java/sql-injection,high\r\n'],
  ])('reads a report that starts with %s', async (_, text) => {
    const got = await parseBytes(text);
    expect(got.error).toBeUndefined();
    expect(got).toMatchObject({ format: 'csv', count: 1 });
    expect(dataOf(got.findings[0]!).finding_info?.title).toBe('SQL injection');
  });

  it('finds the header line even when the first chunk ends inside it, after the blank line', async () => {
    const got = await parseBytes('\n\nTitle,Rule,Severity\nSQL injection,java/sql-injection,high\n', { chunk: 5 });
    expect(got).toMatchObject({ format: 'csv', count: 1 });
  });
});
