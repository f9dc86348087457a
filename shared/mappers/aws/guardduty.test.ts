import type { Finding } from '../ocsf';
import { mapAsffFinding } from './asff';
import { mapAwsFindingEvent } from './eventbridge';
import { GD_ARN, guardDutyAsff, importedEvent, type Json } from './fixtures.testkit';
import { guardDutySeverity, mapGuardDutyFinding } from './guardduty';

/*
 * No recorded "GuardDuty Finding" event is published in the AWS documentation (the EventBridge
 * page shows the envelope with `"detail": {GUARDDUTY_FINDING_JSON_OBJECT}`), so there is no
 * fixture-based test of the native form. This one is NOT a recorded event: it is the real ASFF
 * fixture's finding written back in GuardDuty's own shape, field by field from the ASFF copy's
 * ProductFields and the API Finding reference
 * (https://docs.aws.amazon.com/guardduty/latest/APIReference/API_Finding.html), to check that
 * both paths give the same finding the same uid. Severity 2 is the ASFF copy's Severity.Product.
 */
const RECEIVED = Date.UTC(2024, 0, 2, 3, 4, 5);
const native = (): Json => ({
  schemaVersion: '2.0', accountId: '193043430472', region: 'us-east-1', partition: 'aws',
  id: '46ba0ac2845071e23ccdeb2ae03bfdea', arn: GD_ARN, type: 'UnauthorizedAccess:EC2/SSHBruteForce',
  resource: { resourceType: 'Instance', instanceDetails: { instanceId: 'i-0c10c2c7863d1a356', instanceType: 't2.micro', imageId: 'ami-02354e95b39ca8dec', networkInterfaces: [{}] } },
  service: {
    serviceName: 'guardduty', detectorId: 'd4b040365221be2b54a6264dc9a4bc64', action: { actionType: 'NETWORK_CONNECTION' },
    resourceRole: 'TARGET', eventFirstSeen: '2020-08-22T09:15:57Z', eventLastSeen: '2020-09-30T11:56:49Z', archived: false, count: 74,
  },
  severity: 2, createdAt: '2020-08-22T09:34:34.146Z', updatedAt: '2020-09-30T12:14:00.206Z',
  title: '199.241.229.197 is performing SSH brute force attacks against i-0c10c2c7863d1a356.',
});
const event = (detail: unknown): Json => ({ ...importedEvent(), source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail });
const map = (detail: unknown) => mapGuardDutyFinding(detail, { receivedAt: RECEIVED });

describe('GuardDuty findings as GuardDuty sends them (detail-type "GuardDuty Finding")', () => {
  test('the same finding, uid, instance resource and console link as its ASFF copy', () => {
    const result = mapAwsFindingEvent(event(native()), RECEIVED);
    expect(result).toMatchObject({ kind: 'findings', skipped: 0, events: [{ type: 'secorch.finding.updated', subject: GD_ARN }] });
    const viaAsff = mapAsffFinding(guardDutyAsff(), { receivedAt: RECEIVED })!;
    const f = map(native())!.data as Finding;
    const g = viaAsff.data as Finding;
    expect(f.finding_info.uid).toBe(g.finding_info.uid);
    expect(f.finding_info.src_url).toBe(g.finding_info.src_url);
    expect(f.resources?.[0]?.uid).toBe(g.resources?.[0]?.uid);
    expect(f.metadata.product).toEqual(g.metadata.product);
    expect(f).toMatchObject({
      class_uid: 2004, severity_id: 2, status_id: 1,
      finding_info: { types: ['UnauthorizedAccess:EC2/SSHBruteForce'], first_seen_time: Date.parse('2020-08-22T09:15:57Z'), last_seen_time: Date.parse('2020-09-30T11:56:49Z') },
      resources: [{ type: 'Instance', region: 'us-east-1', cloud_partition: 'aws', data: { instanceId: 'i-0c10c2c7863d1a356', instanceType: 't2.micro', imageId: 'ami-02354e95b39ca8dec' } }],
      cloud: { provider: 'AWS', region: 'us-east-1', account: { uid: '193043430472' } },
      unmapped: { count: 74, resource_role: 'TARGET', action_type: 'NETWORK_CONNECTION', detector_id: 'd4b040365221be2b54a6264dc9a4bc64' },
    });
  });

  test('new (createdAt == updatedAt) is created; archived is resolved and Resolved; the uid stays', () => {
    const fresh = { ...native(), updatedAt: '2020-08-22T09:34:34.146Z' };
    expect(map(fresh)).toMatchObject({ type: 'secorch.finding.created', subject: GD_ARN, data: { activity_id: 1 } });
    const archived = native();
    (archived.service as Json).archived = true;
    expect(map(archived)).toMatchObject({ type: 'secorch.finding.resolved', subject: GD_ARN, data: { activity_id: 3, status_id: 4, status_detail: 'ARCHIVED' } });
  });

  test('without arn the documented ARN is rebuilt from region, account, detector and id; without them no finding', () => {
    const { arn: _arn, ...rest } = native();
    expect(map(rest)?.subject).toBe(GD_ARN);
    expect(map({ ...rest, service: {} })).toBeUndefined();
    expect(mapAwsFindingEvent(event({ ...rest, service: {} }), RECEIVED)).toEqual({ kind: 'malformed', reason: expect.any(String) });
  });

  test.each([[0.5, 2], [1, 2], [3.9, 2], [4, 3], [6.9, 3], [7, 4], [8.9, 4], [9, 5], [10, 5], [0, 0], [-1, 0], ['8', 0], [undefined, 0]])(
    'severity %p -> severity_id %i (Low 1-3.9, Medium 4-6.9, High 7-8.9, Critical 9+)',
    (severity, id) => expect(guardDutySeverity(severity)).toBe(id),
  );
});
