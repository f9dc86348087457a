import { asffUid } from '../../mappers/aws';
import { trivyVulns } from '../../mappers/aws/fixtures.testkit';
import { dataOf, parseBytes, parseFixture } from './testkit';

describe('Trivy JSON', () => {
  it('maps Vulnerabilities with CVE, package and versions (trivy-alpine-310.json)', async () => {
    const { findings } = await parseFixture('trivy-alpine-310.json');
    const d = dataOf(findings[0]!);
    expect(d).toMatchObject({ class_uid: 2002, severity_id: 3, time: Date.parse('2021-08-25T12:20:30Z') });
    expect(d.finding_info.title).toBe('openssl: information disclosure in fork()');
    expect(d.vulnerabilities![0]).toMatchObject({
      cve: { uid: 'CVE-2019-1549', cvss: [{ version: '3.1', base_score: 5.3 }, { version: '2.0', base_score: 5 }, { version: '3.0', base_score: 4.8 }] },
      cwe: { uid: 'CWE-330' },
      affected_packages: [{ name: 'libcrypto1.1', version: '1.1.1c-r0', fixed_in_version: '1.1.1d-r0' }],
      is_fix_available: true,
    });
    expect(d.resources!.map((r) => r.uid)).toEqual(['testdata/fixtures/images/alpine-310.tar.gz', 'testdata/fixtures/images/alpine-310.tar.gz (alpine 3.10.2)']);
    expect(findings.map((f) => f.key.split('#')[0])).toEqual([0, 1, 2, 3].map((i) => `trivy:/Results/0/Vulnerabilities/${i}`));
  });

  it('maps Secrets to detections with rule and line (trivy-secrets.json)', async () => {
    const { findings } = await parseFixture('trivy-secrets.json');
    expect(findings.map((f) => [dataOf(f).class_uid, dataOf(f).finding_info.title, dataOf(f).severity, dataOf(f).finding_info.analytic?.uid, dataOf(f).resources![1]!.data])).toEqual([
      [2004, 'AWS Access Key ID', 'Critical', 'aws-access-key-id', { start_line: 3, end_line: 3 }],
      [2004, 'My Secret', 'High', 'mysecret', { start_line: 7, end_line: 7 }],
    ]);
  });

  it('maps a failed Misconfiguration to a compliance finding (trivy-dockerfile.json)', async () => {
    const d = dataOf((await parseFixture('trivy-dockerfile.json')).findings[0]!);
    expect(d).toMatchObject({ class_uid: 2003, severity_id: 4, compliance: { control: 'DS-0002', status_id: 3, status_code: 'FAIL' } });
    expect(d.remediation?.desc).toBe("Add 'USER <non root user name>' line to the Dockerfile");
  });

  it('keeps the uid of a finding when a later scan reports it elsewhere in the file', async () => {
    const report = { SchemaVersion: 2, ArtifactName: 'img', Results: [{ Target: 't', Vulnerabilities: [{ VulnerabilityID: 'CVE-2020-1', PkgName: 'p', InstalledVersion: '1' }] }] };
    const first = await parseBytes(JSON.stringify(report));
    report.Results[0]!.Vulnerabilities.unshift({ VulnerabilityID: 'CVE-2020-2', PkgName: 'q', InstalledVersion: '1' });
    report.Results[0]!.Vulnerabilities[1]!.InstalledVersion = '2';
    const later = await parseBytes(JSON.stringify(report));
    expect(later.findings[1]!.subject).toBe(first.findings[0]!.subject);
    expect(later.findings[0]!.subject).not.toBe(first.findings[0]!.subject);
  });

  it('holds items listed before their Target', async () => {
    const { findings } = await parseBytes('{"SchemaVersion":2,"ArtifactName":"img","Results":[{"Secrets":[{"RuleID":"r","Title":"T"}],"Target":"deploy.sh"}]}');
    expect(dataOf(findings[0]!).resources!.map((r) => r.uid)).toEqual(['img', 'deploy.sh']);
  });

  it.each([
    ['{"SchemaVersion":2,"Results":42}', '/Results'],
    ['{"SchemaVersion":2,"Results":[{"Target":"t","Vulnerabilities":{}}]}', '/Results/0/Vulnerabilities'],
    ['{"SchemaVersion":2,"Results":[{"Target":"t","Secrets":[1]}]}', '/Results/0/Secrets/0'],
  ])('report_invalid for %s', async (text, pointer) => {
    expect((await parseBytes(text)).error).toMatchObject({ code: 'report_invalid', format: 'trivy', pointer });
  });

  it('is report_empty for a clean scan', async () => {
    expect((await parseBytes('{"SchemaVersion":2,"ArtifactName":"img","Results":[{"Target":"t"}]}')).error).toMatchObject({ code: 'report_empty', format: 'trivy' });
  });
});

describe('ASFF', () => {
  it('maps {"Findings": [...]} with the Security Hub mapper (trivy-alpine-310.asff.json)', async () => {
    const { findings } = await parseFixture('trivy-alpine-310.asff.json');
    expect(findings.map((f) => f.subject)).toEqual(trivyVulns().map((f) => asffUid(f)));
    expect(dataOf(findings[0]!)).toMatchObject({ class_uid: 2002, severity_id: 3, vulnerabilities: [{ cve: { uid: 'CVE-2019-1549' } }] });
    expect(findings[0]!.key).toMatch(/^asff:\/Findings\/0#/);
  });

  it('maps a bare array of findings the same way', async () => {
    const asObject = await parseFixture('trivy-alpine-310.asff.json');
    const asArray = await parseBytes(JSON.stringify(trivyVulns()), { source: { key: 'trivy-alpine-310.asff.json' } });
    expect(asArray.format).toBe('asff');
    expect(asArray.findings.map((f) => f.subject)).toEqual(asObject.findings.map((f) => f.subject));
    expect(asArray.findings.map((f) => f.key.split('#')[0])).toEqual([0, 1, 2, 3].map((i) => `asff:/${i}`));
  });

  it('is report_invalid for a finding without identity, and for Findings that is not a list', async () => {
    expect((await parseBytes('{"Findings":[{"SchemaVersion":"2018-10-08","Title":"x"}]}')).error).toMatchObject({ code: 'report_invalid', pointer: '/Findings/0' });
    expect((await parseBytes('{"Findings":"x"}')).error).toMatchObject({ code: 'report_invalid', pointer: '/Findings' });
  });
});
