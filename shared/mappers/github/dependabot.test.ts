import { fixtureJson } from '../../../test/fixtures';
import type { Finding } from '../ocsf';
import { githubMapper } from './index';

// Real payloads from octokit/webhooks; the two are different alerts in different repositories.
type Payload = { action: string; alert: Record<string, unknown>; [k: string]: unknown };
const created = () => fixtureJson<Payload>('events/github-dependabot_alert-created.payload.json');
const fixed = () => fixtureJson<Payload>('events/github-dependabot_alert-fixed.payload.json');
const RECEIVED = Date.UTC(2024, 0, 2, 3, 4, 5);

const map = (payload: unknown, deliveryId?: string) =>
  githubMapper({ event: 'dependabot_alert', deliveryId, payload, receivedAt: RECEIVED });
const data = (payload: unknown) => map(payload)?.data as Finding;
const advisory = (p: Payload) => p.alert.security_advisory as Record<string, unknown>;

describe('GitHub dependabot_alert', () => {
  test('created: a Medium Vulnerability Finding for semver with its CVE, GHSA, package and fix', () => {
    const ev = map(created(), 'dependabot-delivery');
    expect(ev).toMatchObject({
      type: 'secorch.finding.created',
      subject: 'github:wolfy1339/pika-pack:dependabot_alert:20',
      time: '2023-06-24T13:57:12.000Z',
    });
    const f = ev?.data as Finding;
    expect(f).toMatchObject({
      class_uid: 2002,
      class_name: 'Vulnerability Finding',
      activity_id: 1,
      type_uid: 200201,
      severity_id: 3,
      severity: 'Medium',
      status_id: 1,
      finding_info: {
        uid: 'github:wolfy1339/pika-pack:dependabot_alert:20',
        title: 'semver vulnerable to Regular Expression Denial of Service',
        src_url: 'https://github.com/wolfy1339/pika-pack/security/dependabot/20',
      },
      metadata: { uid: 'dependabot-delivery', product: { name: 'GitHub Dependabot', vendor_name: 'GitHub' } },
    });
    expect(f.vulnerabilities).toHaveLength(1);
    expect(f.vulnerabilities?.[0]).toMatchObject({
      severity: 'Medium',
      cve: {
        uid: 'CVE-2022-25883',
        cvss: [{ version: '3.1', base_score: 5.3, vector_string: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L' }],
      },
      cwe: { uid: 'CWE-1333', caption: 'Inefficient Regular Expression Complexity' },
      related_vulnerabilities: ['GHSA-c2qf-rxjj-qqgw'],
      affected_packages: [
        { name: 'semver', package_manager: 'npm', version: '< 7.5.2', fixed_in_version: '7.5.2', path: 'package-lock.json' },
      ],
      is_fix_available: true,
      remediation: { desc: 'Upgrade semver to 7.5.2 or later.' },
      references: expect.arrayContaining(['https://nvd.nist.gov/vuln/detail/CVE-2022-25883']),
    });
    expect(f.resources?.map((r) => [r.type, r.uid])).toEqual([
      ['repository', 'wolfy1339/pika-pack'],
      ['file', 'wolfy1339/pika-pack:package-lock.json'],
    ]);
  });

  test('fixed: resolved, Close, Resolved, at fixed_at; uid from its own repository and number', () => {
    const ev = map(fixed());
    expect(ev).toMatchObject({
      type: 'secorch.finding.resolved',
      subject: 'github:octocat/hello-world:dependabot_alert:1',
      time: '2022-06-15T13:55:40.000Z',
    });
    expect(ev?.data).toMatchObject({
      activity_id: 3,
      type_uid: 200203,
      status_id: 4,
      severity_id: 3,
      time: Date.UTC(2022, 5, 15, 13, 55, 40),
      vulnerabilities: [{ cve: { uid: 'CVE-2021-20191' }, affected_packages: [{ name: 'ansible', version: '< 2.8.19', fixed_in_version: '2.8.19' }] }],
    });
    expect(map(fixed(), undefined)?.data).not.toHaveProperty('metadata.uid');
  });

  test('the same alert keeps its uid from created to fixed', () => {
    const later = created();
    later.action = 'fixed';
    Object.assign(later.alert, { state: 'fixed', fixed_at: '2023-07-01T00:00:00Z' });
    expect(map(later)?.type).toBe('secorch.finding.resolved');
    expect(data(later).finding_info.uid).toBe(data(created()).finding_info.uid);
  });

  test.each([
    ['dismissed', { state: 'dismissed', dismissed_reason: 'tolerable_risk', dismissed_at: '2023-07-02T00:00:00Z' }, 'tolerable_risk', '2023-07-02T00:00:00.000Z'],
    ['auto_dismissed', { state: 'auto_dismissed', auto_dismissed_at: '2023-07-03T00:00:00Z' }, 'auto_dismissed', '2023-07-03T00:00:00.000Z'],
  ])('%s: resolved and Suppressed', (action, alert, detail, time) => {
    const p = created();
    p.action = action;
    Object.assign(p.alert, alert);
    const ev = map(p);
    expect(ev).toMatchObject({ type: 'secorch.finding.resolved', time });
    expect(ev?.data).toMatchObject({ activity_id: 3, status_id: 3, status: 'Suppressed', status_detail: detail });
  });

  test.each(['reopened', 'auto_reopened', 'reintroduced', 'assignees_changed'])('%s: updated', (action) => {
    const p = created();
    p.action = action;
    p.alert.updated_at = '2023-08-01T00:00:00Z';
    expect(map(p)).toMatchObject({ type: 'secorch.finding.updated', time: '2023-08-01T00:00:00.000Z' });
  });

  test('severity falls back to security_vulnerability; critical is 5', () => {
    const p = created();
    delete advisory(p).severity;
    (p.alert.security_vulnerability as Record<string, unknown>).severity = 'critical';
    expect(data(p)).toMatchObject({ severity_id: 5, severity: 'Critical', vulnerabilities: [{ severity: 'Critical' }] });
  });

  test('a GHSA-only advisory without a fix: no cve, the CWE and GHSA remain, no fix available', () => {
    const p = created();
    Object.assign(advisory(p), {
      cve_id: null,
      identifiers: [{ value: 'GHSA-c2qf-rxjj-qqgw', type: 'GHSA' }],
      cvss: { vector_string: null, score: 0 },
      cvss_severities: { cvss_v4: { vector_string: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N', score: 6.9 } },
    });
    (p.alert.security_vulnerability as Record<string, unknown>).first_patched_version = null;
    const v = data(p).vulnerabilities?.[0];
    expect(v?.cve).toBeUndefined();
    expect(v).toMatchObject({ cwe: { uid: 'CWE-1333' }, related_vulnerabilities: ['GHSA-c2qf-rxjj-qqgw'], is_fix_available: false });
    expect(v?.remediation).toBeUndefined();
    expect(v?.affected_packages?.[0]?.fixed_in_version).toBeUndefined();
  });

  test('CVSS v4 from cvss_severities is kept beside the v3.1 score', () => {
    const p = created();
    advisory(p).cvss_severities = {
      cvss_v3: advisory(p).cvss,
      cvss_v4: { vector_string: 'CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:N/VI:N/VA:L/SC:N/SI:N/SA:N', score: 6.9 },
    };
    expect(data(p).vulnerabilities?.[0]?.cve?.cvss?.map((c) => [c.version, c.base_score])).toEqual([['3.1', 5.3], ['4.0', 6.9]]);
  });
});
