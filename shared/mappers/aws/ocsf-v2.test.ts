import { validateCloudEvent } from '../../events/cloudevent';
import { mappedEvents, type MappedEvent } from '../types';
import { mapAsffFinding } from './asff';
import { mapAwsFindingEvent } from './eventbridge';
import { GD_ARN, guardDutyAsff, importedV2Event, ocsfV2Finding, V2_METADATA_UID, type Json } from './fixtures.testkit';
import { securityhubMapper } from './index';
import { mapOcsfFinding } from './ocsf-v2';

// The event is AWS's documented V2 envelope around the GuardDuty ASFF fixture's finding written
// in OCSF: NOT a recorded event (see importedV2Event in ./fixtures.testkit).
const RECEIVED = Date.UTC(2024, 0, 2, 3, 4, 5);
const UPDATED_AT = '2020-09-30T12:14:00.206Z';
const map = (finding: unknown) => mapOcsfFinding(finding, { receivedAt: RECEIVED, deliveryId: 'CWE-event-id', eventCode: 'Findings Imported V2' });
const with_ = (patch: Json): Json => ({ ...ocsfV2Finding(), ...patch });
const data = (e: MappedEvent | undefined) => e?.data as Json;

describe('Security Hub "Findings Imported V2" events (OCSF findings)', () => {
  test('the documented event: one finding, published as it came, with the gaps in metadata filled', () => {
    const result = mapAwsFindingEvent(importedV2Event(), RECEIVED);
    expect(result).toMatchObject({ kind: 'findings', skipped: 0 });
    const [event, ...rest] = result.kind === 'findings' ? result.events : [];
    expect(rest).toEqual([]);
    expect(event).toMatchObject({ type: 'secorch.finding.updated', subject: GD_ARN, time: UPDATED_AT });
    const { metadata, ...body } = ocsfV2Finding();
    expect(data(event)).toEqual({
      ...body,
      // Security Hub's own values stay (its OCSF version, its metadata.uid); only absent ones are added.
      metadata: { ...(metadata as Json), event_code: 'Findings Imported V2', logged_time: RECEIVED },
    });
    expect((data(event).metadata as Json).uid).toBe(V2_METADATA_UID);
    expect(validateCloudEvent({ specversion: '1.0', id: '1', source: 'aws.securityhub', ...event, key: undefined })).toEqual([]);
  });

  test('a GuardDuty finding has the same uid on the V2, ASFF and native paths', () => {
    expect(map(ocsfV2Finding())?.subject).toBe(mapAsffFinding(guardDutyAsff(), { receivedAt: RECEIVED })?.subject);
    expect(map(ocsfV2Finding())?.subject).toBe(GD_ARN);
  });

  test.each([
    ['Create, New', 'secorch.finding.created', { activity_id: 1, status_id: 1 }],
    ['Create, no status', 'secorch.finding.created', { activity_id: 1, status_id: undefined }],
    ['Create, In Progress (an analyst moved it)', 'secorch.finding.updated', { activity_id: 1, status_id: 2 }],
    ['Update, New', 'secorch.finding.updated', { activity_id: 2, status_id: 1 }],
    ['Close', 'secorch.finding.resolved', { activity_id: 3, status_id: 1 }],
    ['Suppressed', 'secorch.finding.resolved', { activity_id: 2, status_id: 3 }],
    ['Resolved', 'secorch.finding.resolved', { activity_id: 2, status_id: 4 }],
    ['Archived (OCSF 1.4+)', 'secorch.finding.resolved', { activity_id: 2, status_id: 5 }],
    ['Other activity', 'secorch.finding.updated', { activity_id: 99, status_id: 99 }],
  ])('%s -> %s', (_name, type, patch) => {
    expect(map(with_(patch))?.type).toBe(type);
  });

  test('key: a redelivery repeats it; a BatchUpdateFindingsV2 change (same time) or a new time changes it', () => {
    const key = map(ocsfV2Finding())?.key;
    expect(key).toMatch(new RegExp(`^${GD_ARN}@${UPDATED_AT}#[0-9a-f]{16}$`));
    expect(map(ocsfV2Finding())?.key).toBe(key);
    const changes = [{ status_id: 3 }, { severity_id: 5 }, { comment: 'expected: pen test' }, { activity_id: 3 }, { time: Date.parse(UPDATED_AT) + 1 }];
    const keys = changes.map((patch) => map(with_(patch))?.key);
    expect(new Set([key, ...keys]).size).toBe(changes.length + 1);
  });

  test('an id that is not an ARN is qualified with product and account, as Security Hub identifies V2 findings', () => {
    const f = ocsfV2Finding();
    (f.finding_info as Json).uid = 'scan-42';
    const event = map(f);
    const uid = 'arn:aws:securityhub:us-east-1::productv2/aws/guardduty/193043430472/scan-42';
    expect(event?.subject).toBe(uid);
    expect((data(event).finding_info as Json).uid).toBe(uid);
    expect(data(event).unmapped).toEqual({ product_finding_uid: 'scan-42' });
    delete (f.cloud as Json).account;
    expect(map(f)).toBeUndefined();
  });

  test.each([
    ['no class_uid', { class_uid: undefined }],
    ['a class outside Findings (Authentication 3002)', { class_uid: 3002 }],
    ['class_uid as text', { class_uid: '2004' }],
    ['no finding_info.uid', { finding_info: { title: 't' } }],
    ['severity_id outside OCSF', { severity_id: 7 }],
    ['severity_id as text', { severity_id: '3' }],
    ['time as text', { time: UPDATED_AT }],
    ['a time RFC 3339 cannot write', { time: 1e17 }],
    ['no metadata', { metadata: undefined }],
    ['metadata without version', { metadata: { product: { name: 'GuardDuty' } } }],
    ['metadata without product', { metadata: { version: '1.5.0' } }],
  ])('%s: not a finding', (_name, patch) => {
    expect(map(with_(patch))).toBeUndefined();
  });

  test('entries that are not findings are skipped and counted; none at all is malformed', () => {
    expect(mapAwsFindingEvent(importedV2Event([null, ocsfV2Finding(), with_({ class_uid: 3002 })]), RECEIVED)).toMatchObject({ kind: 'findings', skipped: 2 });
    // An ASFF finding in a V2 event is not an OCSF finding.
    expect(mapAwsFindingEvent(importedV2Event([guardDutyAsff()]), RECEIVED)).toEqual({
      kind: 'malformed',
      reason: 'detail.findings holds no OCSF finding with class_uid, finding_info.uid, severity_id, time and metadata',
    });
  });

  test('forwarded by an EventBridge API destination to the securityhub webhook mapper', () => {
    const out = mappedEvents(securityhubMapper({ deliveryId: 'd-9', payload: importedV2Event(), receivedAt: RECEIVED }));
    expect(out.map((e) => e.subject)).toEqual([GD_ARN]);
  });

  test('no field of the finding, replaced by a value of the wrong type, makes the mapping throw', () => {
    const JUNK: unknown[] = [null, 0, -1, 'x', '', true, [], {}, [null], 'constructor', 1e300];
    let calls = 0;
    let mapped = 0;
    const walk = (path: string[], node: unknown): void => {
      if (typeof node !== 'object' || node === null) return;
      for (const key of Object.keys(node)) {
        for (const junk of JUNK) {
          const finding = ocsfV2Finding();
          let target = finding as Json;
          for (const step of path) target = target[step] as Json;
          target[key] = junk;
          for (const ev of mappedEvents(securityhubMapper({ payload: importedV2Event([finding]), receivedAt: RECEIVED }))) {
            expect(validateCloudEvent({ specversion: '1.0', id: '1', source: 'aws.securityhub', ...ev, key: undefined })).toEqual([]);
            expect(JSON.parse(JSON.stringify(ev.data))).toEqual(ev.data);
            mapped++;
          }
          calls++;
        }
        walk([...path, key], (node as Json)[key]);
      }
    };
    walk([], ocsfV2Finding());
    expect(calls).toBeGreaterThan(300);
    // Most junk sits where it does not matter (a title, a resource), so most findings still map.
    expect(mapped).toBeGreaterThan(calls / 2);
  });
});
