import type { Finding } from '../../mappers/ocsf';
import { MAX_PENDING } from './pending';
import { dataOf, parseBytes, parseFixture } from './testkit';

const sarif = (runs: unknown[]) => JSON.stringify({ version: '2.1.0', runs });
const rule = { id: 'R1', name: 'SqlInjection', shortDescription: { text: 'SQL injection' }, defaultConfiguration: { level: 'note' }, properties: { 'security-severity': '9.1' }, help: { text: 'Use parameters' } };
const result = (i: number) => ({ ruleId: 'R1', message: { text: `hit ${i}` }, locations: [{ physicalLocation: { artifactLocation: { uri: 'a.js' }, region: { startLine: i } } }] });

describe('SARIF', () => {
  it('fills the title from the rule template and takes level, rule and location (RuleMetadata.sarif)', async () => {
    const [f] = (await parseFixture('sarif-tutorials/RuleMetadata.sarif')).findings;
    const d = dataOf(f!);
    expect(d.finding_info).toMatchObject({ title: "The URI '//C:/code/dev' is invalid.", analytic: { uid: 'TUT1001', name: 'InvalidUri' } });
    expect(d.finding_info.desc).toMatch(/^Every JSON property whose value is defined by the schema to be a URI/);
    expect(d).toMatchObject({ class_uid: 2004, severity_id: 4, severity: 'High', status_id: 1, time: Date.UTC(2026, 0, 1) });
    expect(d.resources).toEqual([{ type: 'file', uid: 'test.json', name: 'test.json', data: { start_line: 15, start_column: 8, end_column: 22 } }]);
    expect(f!.key).toMatch(/^sarif:\/runs\/0\/results\/0#[0-9a-f]{16}$/);
    expect(f!.subject).toMatch(/^sarif:[0-9a-f]{32}$/);
  });

  it('maps Trivy SARIF to vulnerability findings with the rule score and the package (trivy-alpine-310.sarif.json)', async () => {
    const { findings } = await parseFixture('trivy-alpine-310.sarif.json');
    expect(findings.map((f) => dataOf(f).class_uid)).toEqual([2002, 2002, 2002, 2002]);
    const d = dataOf(findings[0]!);
    expect(d.severity_id).toBe(3); // security-severity 5.3
    expect(d.finding_info.title).toMatch(/^Package: libcrypto1.1\nInstalled Version: 1.1.1c-r0\nVulnerability CVE-2019-1549/);
    expect(d.vulnerabilities![0]).toMatchObject({
      cve: { uid: 'CVE-2019-1549', title: 'openssl: information disclosure in fork()' },
      affected_packages: [{ name: 'libcrypto1.1', version: '1.1.1c-r0', fixed_in_version: '1.1.1d-r0' }],
      is_fix_available: true,
    });
    expect(d.resources![0]).toMatchObject({ type: 'file', uid: 'testdata/fixtures/images/alpine-310.tar.gz' });
    // Same CVE, same file and line, other package: the message keeps them apart.
    expect(new Set(findings.map((f) => f.subject)).size).toBe(4);
  });

  it('has the same number of vulnerability findings in Trivy SARIF and Trivy JSON of one scan', async () => {
    const vulns = (fs: { data: unknown }[]) => fs.filter((f) => (f.data as Finding).class_uid === 2002).length;
    const fromSarif = vulns((await parseFixture('trivy-alpine-310.sarif.json')).findings);
    expect(fromSarif).toBe(vulns((await parseFixture('trivy-alpine-310.json')).findings));
    expect(fromSarif).toBe(4);
  });

  it('uses partialFingerprints, so the same result in another run of the same tool has the same uid', async () => {
    const { findings } = await parseFixture('codeql-action-valid-sarif.sarif');
    const [a, b, c] = findings.map(dataOf);
    expect(a!.finding_info.title).toBe('Unused variable foo.');
    expect(a!.severity_id).toBe(2); // rule level note
    expect(c!.resources![0]).toMatchObject({ uid: 'src/promiseUtils.js', data: { start_line: 2 } });
    // run 0 (LGTM.com) and run 1 (CodeQL) report the same result: one uid per tool.
    expect(findings[0]!.subject).not.toBe(findings[1]!.subject);
    // Lines added above it: another line, same file, same partial fingerprints.
    const moved = { physicalLocation: { artifactLocation: { uri: 'main.js', uriBaseId: '%SRCROOT%', index: 0 }, region: { startLine: 40 } } };
    const again = await parseBytes(sarif([{ tool: { driver: { name: 'CodeQL command-line toolchain' } }, results: [{}, { ruleId: 'js/unused-local-variable', partialFingerprints: { primaryLocationLineHash: '39fa2ee980eb94b0:1', primaryLocationStartColumnFingerprint: '4' }, message: { text: 'moved' }, locations: [moved] }] }]), { source: { key: 'later' } });
    expect(again.findings[1]!.subject).toBe(findings[1]!.subject);
    expect(again.findings[1]!.key).not.toBe(findings[1]!.key);
    expect(b!.finding_info.uid).toBe(findings[1]!.subject);
  });

  it('keeps results with the same partialFingerprints in different files apart (the hash covers the code, not the path)', async () => {
    const at = (uri: string, line: number) => [{ physicalLocation: { artifactLocation: { uri }, region: { startLine: line } } }];
    const hit = (uri: string, line: number) => ({ ruleId: 'js/sql-injection', partialFingerprints: { primaryLocationLineHash: '5061c3315a741b7d:1' }, message: { text: 'm' }, locations: at(uri, line) });
    const { findings } = await parseBytes(sarif([{ tool: { driver: { name: 'CodeQL' } }, results: [hit('services/a/db.js', 3), hit('services/b/db.js', 3), hit('services/a/db.js', 9)] }]));
    const [a, b, aMoved] = findings.map((f) => f.subject);
    expect(a).not.toBe(b);
    expect(aMoved).toBe(a);
  });

  it('takes the rule from the tool extension a result cites (CodeQL lists its rules under the query pack)', async () => {
    // The shape github/codeql-action uploads: driver.rules may be empty or hold other rules, and
    // results cite `rule: { index, toolComponent: { index } }` into tool.extensions.
    const tool = {
      driver: { name: 'CodeQL', rules: [{ id: 'driver/other', defaultConfiguration: { level: 'note' } }] },
      extensions: [{
        name: 'codeql/javascript-queries',
        rules: [
          { id: 'js/redos', name: 'ReDoS', shortDescription: { text: 'Inefficient regular expression' }, defaultConfiguration: { level: 'error' }, properties: { 'security-severity': '7.5' } },
          { id: 'js/unused-local-variable', defaultConfiguration: { level: 'note' } },
        ],
      }],
    };
    const results = [
      { ruleId: 'js/redos', rule: { id: 'js/redos', index: 0, toolComponent: { index: 0 } }, message: { text: 'Vulnerable regex.' } },
      { ruleId: 'js/redos', rule: { index: 0, toolComponent: { name: 'codeql/javascript-queries' } }, message: { text: 'by name' } },
      { ruleId: 'js/unused-local-variable', message: { text: 'by id alone' } },
    ];
    for (const text of [sarif([{ tool, results }]), `{"runs":[{"results":${JSON.stringify(results)},"tool":${JSON.stringify(tool)}}]}`]) {
      const [redos, byName, unused] = (await parseBytes(text)).findings.map(dataOf);
      expect(redos).toMatchObject({ severity_id: 4, finding_info: { desc: 'Inefficient regular expression', analytic: { uid: 'js/redos', name: 'ReDoS' } } });
      expect(byName).toMatchObject({ severity_id: 4, finding_info: { analytic: { name: 'ReDoS' } } });
      expect(unused!.severity_id).toBe(2);
    }
  });

  it('looks a ruleId up in the tool component the result names, not the driver first (SARIF 3.52.3, 3.52.7)', async () => {
    // A reportingDescriptorReference may give the id without an index: the rule is the named
    // component's, even when the driver has a rule of the same id.
    const tool = {
      driver: { name: 'CodeQL', rules: [{ id: 'js/xss', defaultConfiguration: { level: 'note' }, shortDescription: { text: 'driver rule' } }] },
      extensions: [{ name: 'codeql/javascript-queries', rules: [{ id: 'js/xss', defaultConfiguration: { level: 'error' }, shortDescription: { text: 'pack rule' } }] }],
    };
    const results = [
      { ruleId: 'js/xss', rule: { id: 'js/xss', toolComponent: { index: 0 } }, message: { text: 'by index' } },
      { rule: { id: 'js/xss', toolComponent: { name: 'codeql/javascript-queries' } }, message: { text: 'by name' } },
      { ruleId: 'js/xss', message: { text: 'no component: the driver' } },
    ];
    const found = (await parseBytes(sarif([{ tool, results }]))).findings.map(dataOf);
    expect(found.map((d) => [d.severity_id, d.finding_info.analytic?.desc])).toEqual([[4, 'pack rule'], [4, 'pack rule'], [2, 'driver rule']]);
  });

  it('fills a title from a rule template named like an Object member (__proto__, constructor)', async () => {
    const text = '{"version":"2.1.0","runs":[{"tool":{"driver":{"name":"t","rules":[{"id":"R","messageStrings":{"__proto__":{"text":"proto {0}"},"constructor":{"text":"ctor"}}}]}},"results":['
      + '{"ruleId":"R","message":{"id":"__proto__","arguments":["a"]}},{"ruleId":"R","message":{"id":"constructor"}},{"ruleId":"R","message":{"id":"toString"}}]}]}';
    const { findings } = await parseBytes(text);
    expect(findings.map((f) => dataOf(f).finding_info.title)).toEqual(['proto a', 'ctor', 'R']);
  });

  it('keeps results apart that have only logical locations, and a file location still decides the uid', async () => {
    // .NET analyzers and binary scanners locate a result in a type or method, with no file.
    const logical = (name: string) => ({ logicalLocations: [{ fullyQualifiedName: name, kind: 'function' }] });
    const hit = (...locations: unknown[]) => ({ ruleId: 'CA2000', message: { text: 'Dispose objects before losing scope' }, locations });
    const file = { physicalLocation: { artifactLocation: { uri: 'src/A.cs' }, region: { startLine: 7 } } };
    const { findings } = await parseBytes(sarif([{ tool: { driver: { name: 'roslyn' } }, results: [
      hit(logical('App.Db.Open()')), hit(logical('App.Db.Close()')), hit(logical('App.Db.Open()')),
      hit({ ...file, ...logical('App.A.M()') }), hit(file), hit(),
    ] }]));
    const [open, close, openAgain, withFile, fileOnly] = findings.map((f) => f.subject);
    expect(open).not.toBe(close);
    expect(openAgain).toBe(open);
    expect(withFile).toBe(fileOnly);
  });

  it('makes a result whose kind is not fail informational, and a passing or not applicable one resolved (SARIF 3.27.9, 3.27.10)', async () => {
    const r = { id: 'R', defaultConfiguration: { level: 'error' }, properties: { 'security-severity': '9.5' } };
    const hit = (kind?: string) => ({ ruleId: 'R', ...(kind === undefined ? {} : { kind }), message: { text: kind ?? 'default' } });
    const { findings } = await parseBytes(sarif([{ tool: { driver: { name: 't', rules: [r] } }, results: [hit(), hit('fail'), hit('pass'), hit('notApplicable'), hit('review'), hit('problem')] }]));
    // `problem` is no SARIF kind (CodeQL writes it as a rule property): read as the default, fail.
    expect(findings.map((f) => [dataOf(f).severity_id, dataOf(f).status_id])).toEqual([[5, 1], [5, 1], [1, 4], [1, 4], [1, 1], [5, 1]]);
  });

  it('fills placeholders in message.text from message.arguments and decodes {{ }}, as in rule templates (SARIF 3.11.5, 3.11.11)', async () => {
    const at = [{ physicalLocation: { artifactLocation: { uri: 'a.js' }, region: { startLine: 3 } } }];
    const hit = (arg: string) => ({ ruleId: 'R', message: { text: 'Unused variable {0} in {{block}}.', arguments: [arg] }, locations: at });
    const tool = { driver: { name: 't', rules: [{ id: 'R', messageStrings: { m: { text: 'Variable {0} shadows {{x}}; {1} stays.' } } }] } };
    const { findings } = await parseBytes(sarif([{ tool, results: [hit('a'), hit('b'), { ruleId: 'R', message: { id: 'm', arguments: ['y'] }, locations: at }] }]));
    expect(findings.map((f) => dataOf(f).finding_info.title)).toEqual(['Unused variable a in {block}.', 'Unused variable b in {block}.', 'Variable y shadows {x}; {1} stays.']);
    // Same rule and line, other variable: two findings, not one.
    expect(new Set(findings.map((f) => f.subject)).size).toBe(3);
  });

  it('resolves a location given by artifact index (codeql-action-fingerprinting.input.sarif)', async () => {
    const { findings } = await parseFixture('codeql-action-fingerprinting.input.sarif');
    expect(findings.map((f) => dataOf(f).resources![0]!.uid)).toEqual(['testFile1.js', 'testFile2.js']);
  });

  it('marks suppressed and absent results (Suppressions.sarif, Baseline.sarif)', async () => {
    const s = (await parseFixture('sarif-tutorials/Suppressions.sarif')).findings.map((f) => dataOf(f).status_id);
    // Accepted or status-less suppressions suppress (SARIF 3.35.3); under review alone is In Progress.
    expect(s).toEqual([1, 3, 3, 1, 3, 2, 3, 3, 2]);
    const b = (await parseFixture('sarif-tutorials/Baseline.sarif')).findings.map((f) => dataOf(f).status_id);
    expect(b).toEqual([4, 1, 1, 1]);
  });

  it('gives the rule score precedence, and result.level over the rule level', async () => {
    const { findings } = await parseBytes(sarif([{ tool: { driver: { name: 't', rules: [rule, { id: 'R2', defaultConfiguration: { level: 'note' } }] } }, results: [result(1), { ...result(2), ruleId: 'R2', level: 'error' }, { ...result(3), ruleId: 'R2' }] }]));
    expect(findings.map((f) => dataOf(f).severity_id)).toEqual([5, 4, 2]);
    expect(dataOf(findings[0]!).remediation).toEqual({ desc: 'Use parameters' });
  });

  it('holds results that precede the tool until the tool is read', async () => {
    const { findings } = await parseBytes(`{"runs":[{"results":[${JSON.stringify(result(1))}],"tool":${JSON.stringify({ driver: { name: 't', rules: [rule] } })}}]}`);
    expect(dataOf(findings[0]!)).toMatchObject({ severity_id: 5, finding_info: { analytic: { name: 'SqlInjection' } } });
  });

  it('refuses clearly when too many results precede the tool', async () => {
    const results = Array.from({ length: MAX_PENDING + 1 }, (_, i) => result(i));
    const got = await parseBytes(JSON.stringify({ runs: [{ results, tool: { driver: { name: 't' } } }] }));
    expect(got.error).toMatchObject({ code: 'report_unsupported', format: 'sarif', pointer: '/runs/0/tool' });
    expect(got.findings).toHaveLength(0);
  });

  it.each([
    ['results: 42', sarif([{ tool: { driver: { name: 't' } }, results: 42 }]), '/runs/0/results'],
    ['a result that is not an object', sarif([{ tool: { driver: { name: 't' } }, results: [result(1), 'x'] }]), '/runs/0/results/1'],
    ['runs: {}', '{"version":"2.1.0","runs":{}}', '/runs'],
    ['a run that is a string', sarif([{ tool: { driver: { name: 't' } }, results: [] }, 'x']), '/runs/1'],
    ['tool: []', sarif([{ tool: [], results: [] }]), '/runs/0/tool'],
  ])('report_invalid for %s', async (_, text, pointer) => {
    expect((await parseBytes(text)).error).toMatchObject({ code: 'report_invalid', format: 'sarif', pointer });
  });

  // SARIF 3.13.4 and 3.14.23: `runs` null means the producer failed, a run's `results` absent or
  // null that the tool failed to start or to begin its analysis, and `results: []` a clean run.
  // Read as report_empty, the documented "clean scan", a crashed scanner looked like a clean one.
  it.each([
    ['runs: null (No_runs.sarif)', 'sarif-tutorials/No_runs.sarif', /`runs` is null: the SARIF producer failed/, '/runs'],
    ['a run without results whose invocation failed (Catastrophic_execution_error.sarif)', 'sarif-tutorials/Catastrophic_execution_error.sarif', /run 0 \(CodeScanner\) did not complete: executionSuccessful is false \(Out of memory\.\)/, '/runs/0/invocations/0'],
    ['runs without results (codeql-action-tool-names.sarif)', 'codeql-action-tool-names.sarif', /run 0 \(CodeQL command-line toolchain\) has no `results`/, '/runs/0/results'],
  ])('report_scan_failed, not report_empty, for %s', async (_, file, reason, pointer) => {
    const got = await parseFixture(file);
    expect(got.findings).toEqual([]);
    expect(got.error).toMatchObject({ code: 'report_scan_failed', format: 'sarif', pointer, message: expect.stringMatching(reason) });
  });

  it('tells a failed run from a clean one: results null, a failed invocation beside an empty run, and a clean report', async () => {
    const run = (extra: Record<string, unknown>) => ({ tool: { driver: { name: 't' } }, ...extra });
    const failed = { executionSuccessful: false, toolExecutionNotifications: [{ level: 'warning', message: { text: 'slow' } }, { level: 'error', message: { text: `disk full${'!'.repeat(500)}` } }] };
    expect((await parseBytes(JSON.stringify({ version: '2.1.0', runs: [run({ results: null })] }))).error).toMatchObject({ code: 'report_scan_failed', pointer: '/runs/0/results' });
    const partial = await parseBytes(JSON.stringify({ version: '2.1.0', runs: [run({ results: [] }), run({ invocations: [{ executionSuccessful: true }, failed], results: [] })] }));
    expect(partial.error).toMatchObject({ code: 'report_scan_failed', pointer: '/runs/1/invocations/1' });
    // The notification is cut: the reason goes into an event and a log line.
    expect(partial.error!.message).toMatch(/executionSuccessful is false \(disk full!{10,}…\)$/);
    expect(partial.error!.message.length).toBeLessThan(300);
    // An error notification means the run failed (SARIF 3.20.21), whatever executionSuccessful says.
    const erred = await parseBytes(JSON.stringify({ version: '2.1.0', runs: [run({ invocations: [{ executionSuccessful: true, toolExecutionNotifications: [{ level: 'error', message: { text: 'extractor crashed' } }] }], results: [] })] }));
    expect(erred.error).toMatchObject({ code: 'report_scan_failed', pointer: '/runs/0/invocations/0/toolExecutionNotifications', message: expect.stringContaining('(extractor crashed)') });
    const clean = JSON.stringify({ version: '2.1.0', runs: [run({ invocations: [{ executionSuccessful: true, toolExecutionNotifications: [{ level: 'warning', message: { text: 'slow' } }] }], results: [] })] });
    expect((await parseBytes(clean)).error).toMatchObject({ code: 'report_empty' });
    expect((await parseBytes('{"version":"2.1.0","runs":[]}')).error).toMatchObject({ code: 'report_empty' });
  });

  it('publishes the findings of a report in which only some runs failed', async () => {
    const runs = [{ tool: { driver: { name: 't' } }, results: [result(1)] }, { tool: { driver: { name: 'u' } }, invocations: [{ executionSuccessful: false }] }];
    const got = await parseBytes(JSON.stringify({ version: '2.1.0', runs }));
    expect(got).toMatchObject({ format: 'sarif', count: 1 });
  });

  it.each([
    ['truncated', sarif([{ tool: { driver: { name: 't' } }, results: [result(1)] }]).slice(0, -10)],
    ['broken', '{"runs":[{"tool":{"driver":{"name":"t"}},"results":[{"ruleId":"R1",,}]}]}'],
    ['two documents', `${sarif([])} {}`],
  ])('report_invalid for malformed JSON: %s', async (_, text) => {
    expect((await parseBytes(text)).error).toMatchObject({ code: 'report_invalid', format: 'sarif' });
  });
});
