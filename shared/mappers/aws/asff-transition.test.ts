import type { Finding } from '../ocsf';
import type { MappedEvent } from '../types';
import { mapAsffFinding } from './asff';
import { mapAwsFindingEvent } from './eventbridge';
import { GD_ARN, guardDutyAsff, guardDutyNative, importedEvent, importedV2Event, ocsfV2Finding, trivyVulns, type Json } from './fixtures.testkit';
import { mapGuardDutyFinding } from './guardduty';

// The mapper is pure: it cannot know whether the source reported a finding before. A finding its
// provider never re-imported (CreatedAt == UpdatedAt) is created whatever customer fields it
// shows, since a Security Hub automation rule sets them as the finding is ingested, before its
// first event; the cloud-findings handler's first-seen record tells a repeat (README, securityhub).
// Given the uids known to be reported before (AwsInput.reported), it writes their created as updates.
const map = (finding: unknown, reported?: ReadonlySet<string>) => mapAsffFinding(finding, { receivedAt: 0, reported }) as MappedEvent;
const CREATED_AT = '2020-08-22T09:34:34.146Z';
const fresh = (fields: Json = {}): Json => ({ ...guardDutyAsff(), UpdatedAt: CREATED_AT, ...fields });
const PROVIDER = { Severity: { Label: 'MEDIUM', Normalized: 40, Product: 2 }, Types: ['TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce'] };
const NOTE = { Text: 'triaging', UpdatedBy: 'analyst', UpdatedAt: '2020-08-22T10:00:00Z' };
const activity = (e: MappedEvent) => {
  const d = e.data as Finding;
  return [e.type, d.activity_id, d.activity_name, d.type_uid, d.type_name];
};
const UPDATE = ['secorch.finding.updated', 2, 'Update', 200402, 'Detection Finding: Update'];

describe('ASFF transition', () => {
  test.each([
    ['the first import', fresh()],
    ['FindingProviderFields mirroring the top level', fresh({ FindingProviderFields: PROVIDER })],
    ['a note', fresh({ Note: NOTE })],
    ['user-defined fields', fresh({ UserDefinedFields: { ticket: 'SEC-42' } })],
    ['a verification state', fresh({ VerificationState: 'TRUE_POSITIVE' })],
    ['an automation rule\'s severity', fresh({ FindingProviderFields: PROVIDER, Severity: { Label: 'CRITICAL', Normalized: 90, Product: 2 } })],
  ])('never re-imported, Workflow NEW, %s: created', (_name, finding) => {
    expect(map(finding).type).toBe('secorch.finding.created');
  });

  test('Trivy\'s findings are created; UpdatedAt moved is updated; a workflow past NEW updated; closed resolved', () => {
    for (const f of trivyVulns()) expect(map(f).type).toBe('secorch.finding.created');
    expect(map(guardDutyAsff()).type).toBe('secorch.finding.updated');
    expect(map(fresh({ Workflow: { Status: 'NOTIFIED' } })).type).toBe('secorch.finding.updated');
    expect(map(fresh({ Note: NOTE, Workflow: { Status: 'RESOLVED' } })).type).toBe('secorch.finding.resolved');
    expect(map(fresh({ RecordState: 'ARCHIVED' })).type).toBe('secorch.finding.resolved');
  });
});

describe('a finding reported before (AwsInput.reported)', () => {
  const reported = new Set([GD_ARN]);

  test('ASFF: its created is written as an update, with the same key; nothing else changes', () => {
    const before = map(fresh({ Note: NOTE }));
    const after = map(fresh({ Note: NOTE }), reported);
    expect(activity(after)).toEqual(UPDATE);
    expect(after.key).toBe(before.key);
    expect(after.data).toEqual({ ...(before.data as Finding), activity_id: 2, activity_name: 'Update', type_uid: 200402, type_name: 'Detection Finding: Update' });
  });

  test('updated and resolved stay; other findings stay created', () => {
    expect(map(guardDutyAsff(), reported).type).toBe('secorch.finding.updated');
    expect(map(fresh({ RecordState: 'ARCHIVED' }), reported).type).toBe('secorch.finding.resolved');
    for (const f of trivyVulns()) expect(map(f, reported).type).toBe('secorch.finding.created');
  });

  test('a GuardDuty finding event and a Security Hub V2 (OCSF) Create the same way', () => {
    const gd = mapGuardDutyFinding({ ...guardDutyNative(), updatedAt: CREATED_AT }, { receivedAt: 0, reported }) as MappedEvent;
    expect(activity(gd)).toEqual(UPDATE);
    const create = { ...ocsfV2Finding(), activity_id: 1, activity_name: 'Create', type_uid: 200401, type_name: 'Detection Finding: Create' };
    const v2 = (r?: ReadonlySet<string>) => {
      const result = mapAwsFindingEvent(importedV2Event([create]), 0, r);
      return result.kind === 'findings' ? result.events[0]! : undefined;
    };
    expect(activity(v2()!)).toEqual(['secorch.finding.created', 1, 'Create', 200401, 'Detection Finding: Create']);
    expect(activity(v2(reported)!)).toEqual(UPDATE);
    expect(v2(reported)!.key).toBe(v2()!.key);
  });

  test('through mapAwsFindingEvent: only the findings of the given uids', () => {
    const result = mapAwsFindingEvent(importedEvent([fresh(), ...trivyVulns()]), 0, reported);
    const types = result.kind === 'findings' ? result.events.map((e) => e.type) : [];
    expect(types).toEqual(['secorch.finding.updated', ...trivyVulns().map(() => 'secorch.finding.created')]);
  });
});
