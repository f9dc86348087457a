import type { Finding } from '../ocsf';
import type { MappedEvent } from '../types';
import { mapAsffFinding } from './asff';
import { mapAwsFindingEvent } from './eventbridge';
import { GD_ARN, guardDutyAsff, importedEvent, trivySecrets, trivyVulns, type Json } from './fixtures.testkit';

const RECEIVED = Date.UTC(2024, 0, 2, 3, 4, 5);
const map = (finding: unknown) => mapAsffFinding(finding, { receivedAt: RECEIVED });
const data = (finding: unknown) => map(finding)?.data as Finding;
const withFields = (fields: Json) => ({ ...guardDutyAsff(), ...fields });

describe('ASFF GuardDuty finding in a "Security Hub Findings - Imported" event', () => {
  test('an updated Medium Detection Finding of the EC2 instance, in its account and region', () => {
    const result = mapAwsFindingEvent(importedEvent(), RECEIVED);
    expect(result).toMatchObject({ kind: 'findings', skipped: 0 });
    const [ev] = (result as { events: MappedEvent[] }).events;
    expect(ev).toMatchObject({ type: 'secorch.finding.updated', subject: GD_ARN, time: '2020-09-30T12:14:00.206Z', key: `${GD_ARN}@2020-09-30T12:14:00.206Z#d86d70b7594dbd60` });
    expect(ev?.data).toMatchObject({
      class_uid: 2004, class_name: 'Detection Finding', activity_id: 2, type_uid: 200402,
      severity_id: 3, severity: 'Medium', status_id: 1, status: 'New',
      time: Date.parse('2020-09-30T12:14:00.206Z'),
      message: '199.241.229.197 is performing SSH brute force attacks against i-0c10c2c7863d1a356.',
      finding_info: {
        uid: GD_ARN,
        types: ['TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce'],
        created_time: Date.parse('2020-08-22T09:34:34.146Z'),
        modified_time: Date.parse('2020-09-30T12:14:00.206Z'),
        first_seen_time: Date.parse('2020-08-22T09:15:57Z'),
        last_seen_time: Date.parse('2020-09-30T11:56:49Z'),
        src_url: expect.stringContaining('fId=46ba0ac2845071e23ccdeb2ae03bfdea'),
        product_uid: 'arn:aws:securityhub:us-east-1::product/aws/guardduty',
      },
      cloud: { provider: 'AWS', region: 'us-east-1', account: { uid: '193043430472', type_id: 10 } },
      metadata: {
        version: '1.3.0',
        product: { name: 'GuardDuty', vendor_name: 'Amazon', uid: 'arn:aws:securityhub:us-east-1::product/aws/guardduty' },
        profiles: ['cloud'],
        uid: '6a7e8feb-b491-4cf7-a9f1-bf3703467718', // the EventBridge event id
        event_code: 'Security Hub Findings - Imported',
        original_time: '2020-09-30T12:14:00.206Z',
        logged_time: RECEIVED,
      },
    });
    expect((ev?.data as Finding).resources).toEqual([{
      type: 'AwsEc2Instance',
      uid: 'arn:aws:ec2:us-east-1:193043430472:instance/i-0c10c2c7863d1a356',
      name: 'kubectl',
      region: 'us-east-1',
      cloud_partition: 'aws',
      data: {
        details: { AwsEc2Instance: { Type: 't2.micro', ImageId: 'ami-02354e95b39ca8dec', IpV4Addresses: ['18.234.130.16', '172.31.43.6'], VpcId: 'vpc-a0c2d7c7', SubnetId: 'subnet-4975b475', LaunchedAt: '2020-08-03T23:21:57Z' } },
        tags: { Name: 'kubectl' },
      },
    }]);
  });

  test.each([
    ['first import (CreatedAt == UpdatedAt)', { UpdatedAt: '2020-08-22T09:34:34.146Z' }, 'secorch.finding.created', 1, 1],
    ['notified', { Workflow: { Status: 'NOTIFIED' } }, 'secorch.finding.updated', 2, 2],
    ['archived by the provider', { RecordState: 'ARCHIVED' }, 'secorch.finding.resolved', 3, 4],
    ['resolved by a user', { Workflow: { Status: 'RESOLVED' } }, 'secorch.finding.resolved', 3, 4],
    ['suppressed', { Workflow: { Status: 'SUPPRESSED' } }, 'secorch.finding.resolved', 3, 3],
    ['legacy WorkflowState only', { Workflow: undefined, WorkflowState: 'RESOLVED' }, 'secorch.finding.resolved', 3, 4],
  ])('%s: %s, activity %i, status %i; the uid never changes', (_name, fields, type, activityId, statusId) => {
    const ev = map(withFields(fields));
    expect(ev).toMatchObject({ type, subject: GD_ARN, data: { activity_id: activityId, status_id: statusId, finding_info: { uid: GD_ARN } } });
  });

  test.each([
    [{ Label: 'INFORMATIONAL' }, 1], [{ Label: 'LOW' }, 2], [{ Label: 'MEDIUM', Normalized: 90 }, 3], [{ Label: 'HIGH' }, 4],
    [{ Label: 'CRITICAL' }, 5], [{ Normalized: 0 }, 1], [{ Normalized: 39 }, 2], [{ Normalized: 40 }, 3], [{ Normalized: 89 }, 4],
    [{ Normalized: 90 }, 5], [{ Label: 'constructor' }, 0], [{}, 0],
  ])('Severity %o -> severity_id %i', (severity, id) => {
    expect(data(withFields({ Severity: severity })).severity_id).toBe(id);
  });
});

describe('Trivy ASFF (real scanner output)', () => {
  test('CVE findings are created Vulnerability Findings with CVE, CVSS and package', () => {
    const [first] = trivyVulns();
    const ev = map(first);
    const uid = 'arn:aws:securityhub:test-region::product/aquasecurity/aquasecurity/123456789012/testdata/fixtures/images/alpine-310.tar.gz (alpine 3.10.2)/CVE-2019-1549';
    expect(ev).toMatchObject({ type: 'secorch.finding.created', subject: uid });
    expect(ev?.data).toMatchObject({
      class_uid: 2002, type_uid: 200201, severity_id: 3, status_id: 1,
      metadata: { product: { name: 'Trivy', vendor_name: 'aquasecurity' }, original_time: '2021-08-25T12:20:30.000000005Z' },
      cloud: { region: 'test-region', account: { uid: '123456789012' } },
      resources: [{ type: 'Container', uid: 'testdata/fixtures/images/alpine-310.tar.gz (alpine 3.10.2)' }],
    });
    expect((ev?.data as Finding).vulnerabilities).toEqual([expect.objectContaining({
      title: 'openssl: information disclosure in fork()',
      cve: { uid: 'CVE-2019-1549', title: 'openssl: information disclosure in fork()', cvss: [
        { version: '3.1', base_score: 5.3, vector_string: 'CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:N/A:N' },
        { version: '2.0', base_score: 5, vector_string: 'AV:N/AC:L/Au:N/C:P/I:N/A:N' },
      ] },
      affected_packages: [{ name: 'libcrypto1.1', version: '1.1.1c-r0', fixed_in_version: '1.1.1d-r0' }],
      is_fix_available: true,
      references: ['https://avd.aquasec.com/nvd/cve-2019-1549'],
    })]);
  });

  test('a repeated finding (same ProductArn and Id, as Trivy repeats them) is the same finding and key', () => {
    const [a, b, c, d] = trivyVulns().map(map);
    expect(c?.subject).toBe(a?.subject);
    expect(d?.key).toBe(b?.key);
    expect(a?.subject).not.toBe(b?.subject);
  });

  test('secrets are Critical Detection Findings of the file; Security Hub would treat both as one finding', () => {
    const [one, two] = trivySecrets().map(map);
    expect(one?.data).toMatchObject({ class_uid: 2004, severity_id: 5, finding_info: { title: 'Trivy found a secret in deploy.sh: AWS Access Key ID', types: ['Sensitive Data Identifications'] } });
    expect(one?.subject).toBe(two?.subject); // both have Id "deploy.sh"
  });
});
