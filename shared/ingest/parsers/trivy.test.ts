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

  // Trivy's `--scanners license` output: Results entries of Class `license` (package licenses,
  // per package manager target) and `license-file` (the target "Loose File License(s)"), whose
  // Licenses[] items have the fields of DetectedLicense in aquasecurity/trivy pkg/types (Severity,
  // Category, PkgName, FilePath, Name, Confidence, Link), with the severities Trivy gives each
  // category (https://trivy.dev/latest/docs/scanner/license/). No fixture has licenses yet.
  const licenses = {
    SchemaVersion: 2, ArtifactName: 'myapp:1.0', ArtifactType: 'container_image', CreatedAt: '2024-05-02T10:00:00Z',
    Results: [
      { Target: 'OS Packages', Class: 'license', Licenses: [
        { Severity: 'HIGH', Category: 'restricted', PkgName: 'readline', PkgVersion: '8.2', FilePath: '', Name: 'GPL-3.0-only', Confidence: 1, Link: '' },
        { Severity: 'LOW', Category: 'notice', PkgName: 'musl', FilePath: '', Name: 'MIT', Confidence: 1, Link: '' },
      ] },
      { Target: 'Loose File License(s)', Class: 'license-file', Licenses: [
        { Severity: 'CRITICAL', Category: 'forbidden', PkgName: '', FilePath: 'usr/share/licenses/app/LICENSE', Name: 'AGPL-3.0', Confidence: 0.98, Link: 'https://spdx.org/licenses/AGPL-3.0.html' },
        { Severity: 'UNKNOWN', Category: 'unknown', FilePath: 'vendor/x/COPYING', Name: 'Custom-License' },
      ] },
    ],
  };

  it('maps Licenses to compliance findings with Trivy\'s severity and category', async () => {
    const got = await parseBytes(JSON.stringify(licenses));
    expect(got).toMatchObject({ format: 'trivy', count: 4 });
    expect(got.findings.map((f) => f.key.split('#')[0])).toEqual(['/Results/0/Licenses/0', '/Results/0/Licenses/1', '/Results/1/Licenses/0', '/Results/1/Licenses/1'].map((p) => `trivy:${p}`));
    const [gpl, mit, agpl, unknown] = got.findings.map(dataOf);
    expect(gpl).toMatchObject({
      class_uid: 2003, severity_id: 4, status_id: 1, time: Date.parse('2024-05-02T10:00:00Z'),
      finding_info: { title: 'GPL-3.0-only license in readline (restricted)', types: ['License'], analytic: { uid: 'GPL-3.0-only', type: 'Rule' } },
      compliance: { standards: ['Trivy license policy'], control: 'GPL-3.0-only', status_code: 'restricted' },
      metadata: { event_code: 'trivy.Licenses', product: { name: 'Trivy' } },
    });
    expect(gpl!.resources).toEqual([
      { type: 'container_image', uid: 'myapp:1.0', name: 'myapp:1.0' },
      { type: 'license', uid: 'OS Packages', name: 'OS Packages', data: { package: 'readline', version: '8.2' } },
    ]);
    expect(mit).toMatchObject({ severity_id: 2, finding_info: { title: 'MIT license in musl (notice)' } });
    expect(agpl).toMatchObject({
      severity_id: 5, finding_info: { title: 'AGPL-3.0 license in usr/share/licenses/app/LICENSE (forbidden)', src_url: 'https://spdx.org/licenses/AGPL-3.0.html' },
      resources: [{ uid: 'myapp:1.0' }, { type: 'license-file', uid: 'Loose File License(s)', data: { path: 'usr/share/licenses/app/LICENSE' } }],
      unmapped: { category: 'forbidden', confidence: 0.98 },
    });
    expect(unknown).toMatchObject({ severity_id: 0, compliance: { control: 'Custom-License', status_code: 'unknown' } });
  });

  it('keeps the uid of a license finding when the package is upgraded, and tells packages apart', async () => {
    const first = await parseBytes(JSON.stringify(licenses));
    const later = JSON.stringify(licenses).replace('"PkgVersion":"8.2"', '"PkgVersion":"8.3"').replace('"PkgName":"musl"', '"PkgName":"busybox"');
    const again = await parseBytes(later);
    expect(again.findings[0]!.subject).toBe(first.findings[0]!.subject);
    expect(again.findings[1]!.subject).not.toBe(first.findings[1]!.subject);
  });

  it('is report_invalid when Licenses is not a list', async () => {
    expect((await parseBytes('{"SchemaVersion":2,"Results":[{"Target":"t","Licenses":"MIT"}]}')).error).toMatchObject({ code: 'report_invalid', format: 'trivy', pointer: '/Results/0/Licenses' });
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
