import type { Finding } from '../ocsf';
import type { MappedEvent } from '../types';
import { mapAsffFinding } from './asff';
import { canonicalJson } from './asff-revision';
import { GD_ARN, guardDutyAsff, importedEvent, type Json } from './fixtures.testkit';
import { securityhubMapper } from './index';

// BatchUpdateFindings (analysts, SIEM, SOAR) changes a finding without moving UpdatedAt, and
// Security Hub still sends a "Findings - Imported" event for it
// (https://docs.aws.amazon.com/securityhub/latest/userguide/finding-update-batchupdatefindings.html).
// Each such event must get its own key, or consumers deduplicating on the derived id drop it.
const map = (finding: unknown) => mapAsffFinding(finding, { receivedAt: 0 }) as MappedEvent;
const withFields = (fields: Json) => ({ ...guardDutyAsff(), ...fields });
const UPDATED_AT = '2020-09-30T12:14:00.206Z';
const NEVER_REIMPORTED = { UpdatedAt: '2020-08-22T09:34:34.146Z' }; // == CreatedAt
/**
 * The fixture's key. The digest is the first 16 hex digits of the SHA-256 of
 * {"RecordState":"ACTIVE","Severity":{"Label":"MEDIUM","Normalized":40,"Product":2},
 * "Types":["TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce"],"Workflow":{"Status":"NEW"},"WorkflowState":"NEW"}
 * (what Python's json.dumps(sort_keys=True, separators=(',', ':')) writes for the same fields).
 */
const FIXTURE_KEY = `${GD_ARN}@${UPDATED_AT}#d86d70b7594dbd60`;
/** The unchanged fixture's key, computed: "a new key" means a key other than this one. */
const baseKey = () => map(guardDutyAsff()).key;
const NOTE = { Text: 'Known scanner, allow-listed', UpdatedBy: 'soar-playbook', UpdatedAt: '2020-10-02T08:00:00Z' };

describe('ASFF event key: uid@UpdatedAt#digest of the fields BatchUpdateFindings writes', () => {
  test('the same finding delivered again (or re-serialized) keeps its key', () => {
    const first = map(guardDutyAsff());
    const again = map(JSON.parse(JSON.stringify(guardDutyAsff())));
    expect(first.key).toBe(FIXTURE_KEY);
    expect(again.key).toBe(FIXTURE_KEY);
  });

  test.each([
    ['NOTIFIED', 'secorch.finding.updated', 2],
    ['SUPPRESSED', 'secorch.finding.resolved', 3],
    ['RESOLVED', 'secorch.finding.resolved', 4],
  ])('Workflow.Status changed to %s, UpdatedAt unchanged: a new key, typed %s', (status, type, statusId) => {
    const ev = map(withFields({ Workflow: { Status: status } }));
    expect(ev).toMatchObject({ type, subject: GD_ARN, time: UPDATED_AT, data: { status_id: statusId } });
    expect(ev.key).toMatch(new RegExp(`^${GD_ARN}@${UPDATED_AT}#[0-9a-f]{16}$`));
    expect(ev.key).not.toBe(baseKey());
  });

  test('resolved, then reopened with a note: three states, three keys', () => {
    const keys = [guardDutyAsff(), withFields({ Workflow: { Status: 'RESOLVED' } }), withFields({ Note: NOTE })].map((f) => map(f).key);
    expect(new Set(keys).size).toBe(3);
    expect(map(withFields({ Note: NOTE })).type).toBe('secorch.finding.updated');
  });

  test.each([
    ['a note added', { Note: NOTE }],
    ['the note edited', { Note: { ...NOTE, Text: 'Not allow-listed after all' } }],
    ['the severity label raised', { Severity: { Product: 2, Label: 'HIGH', Normalized: 70 } }],
    ['only the label changed', { Severity: { Product: 2, Label: 'HIGH', Normalized: 40 } }],
    ['Confidence', { Confidence: 80 }],
    ['Criticality', { Criticality: 90 }],
    ['VerificationState', { VerificationState: 'FALSE_POSITIVE' }],
    ['Types', { Types: ['TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce', 'Unusual Behaviors/Network Flow'] }],
    ['UserDefinedFields', { UserDefinedFields: { ticket: 'SEC-42' } }],
    ['RelatedFindings', { RelatedFindings: [{ ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty', Id: 'other' }] }],
  ])('%s, UpdatedAt unchanged: a new key, typed updated', (_name, fields) => {
    const ev = map(withFields(fields));
    expect(ev).toMatchObject({ type: 'secorch.finding.updated', subject: GD_ARN, time: UPDATED_AT });
    expect(ev.key).not.toBe(baseKey());
    // The change is in the event's data too: a consumer sees what the analyst changed, not an
    // update identical to the previous one.
    expect(ev.data).not.toEqual(map(guardDutyAsff()).data);
  });

  test('what analysts write with BatchUpdateFindings reaches the finding (unmapped), as ASFF typed it', () => {
    const ev = map(withFields({
      Note: NOTE, Confidence: 80, Criticality: 90, VerificationState: 'FALSE_POSITIVE',
      UserDefinedFields: { ticket: 'SEC-42', nested: { not: 'a string' } },
      RelatedFindings: [{ ProductArn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty', Id: 'other' }, 'junk'],
    }));
    expect((ev.data as Finding).unmapped).toMatchObject({
      note: { text: NOTE.Text, updated_by: NOTE.UpdatedBy, updated_at: NOTE.UpdatedAt },
      confidence: 80,
      criticality: 90,
      verification_state: 'FALSE_POSITIVE',
      user_defined_fields: { ticket: 'SEC-42' },
      related_findings: [{ product_arn: 'arn:aws:securityhub:us-east-1::product/aws/guardduty', id: 'other' }],
    });
    const plain = (map(guardDutyAsff()).data as Finding).unmapped ?? {};
    for (const k of ['note', 'confidence', 'criticality', 'verification_state', 'user_defined_fields', 'related_findings']) expect(plain).not.toHaveProperty(k);
  });

  test('key order, and null for an unset member, do not change the key', () => {
    const f = guardDutyAsff();
    const reordered: Json = {};
    for (const k of Object.keys(f).reverse()) reordered[k] = f[k];
    reordered.Severity = { Normalized: 40, Label: 'MEDIUM', Product: 2 };
    reordered.Note = null;
    expect(map(reordered).key).toBe(FIXTURE_KEY);
    const noted = map(withFields({ Note: NOTE })).key;
    const notedReordered = map(withFields({ Note: { UpdatedAt: NOTE.UpdatedAt, UpdatedBy: NOTE.UpdatedBy, Text: NOTE.Text, Extra: null } })).key;
    expect(notedReordered).toBe(noted);
    expect(noted).not.toBe(baseKey());
  });

  test('a value nested far beyond ASFF (a hostile webhook payload) maps without overflowing the stack', () => {
    let deep: unknown = 'x';
    for (let i = 0; i < 100_000; i++) deep = [deep];
    const ev = map(withFields({ UserDefinedFields: { deep } }));
    expect(ev.key).toMatch(new RegExp(`^${GD_ARN}@${UPDATED_AT}#[0-9a-f]{16}$`));
    expect(ev.key).not.toBe(baseKey());
  });

  test('canonical JSON: sorted keys at every level, unset members dropped, array order kept', () => {
    expect(canonicalJson({ b: [{ z: 1, a: null }, 'é'], a: { d: undefined, c: true } })).toBe('{"a":{"c":true},"b":[{"z":1},"é"]}');
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
  });
});

describe('transition of a finding its provider never re-imported (CreatedAt == UpdatedAt)', () => {
  test.each([
    ['Workflow NEW (the first import)', 'secorch.finding.created', {}],
    ['no workflow at all', 'secorch.finding.created', { Workflow: undefined, WorkflowState: undefined }],
    ['NOTIFIED by an analyst', 'secorch.finding.updated', { Workflow: { Status: 'NOTIFIED' } }],
    ['legacy WorkflowState ASSIGNED', 'secorch.finding.updated', { Workflow: undefined, WorkflowState: 'ASSIGNED' }],
    ['SUPPRESSED by an analyst', 'secorch.finding.resolved', { Workflow: { Status: 'SUPPRESSED' } }],
    ['RESOLVED by an analyst', 'secorch.finding.resolved', { Workflow: { Status: 'RESOLVED' } }],
  ])('%s: %s, keyed with the digest', (_name, type, fields) => {
    const first = map(withFields(NEVER_REIMPORTED));
    const ev = map(withFields({ ...NEVER_REIMPORTED, ...fields }));
    expect(ev.type).toBe(type);
    expect((ev.data as Finding).finding_info.created_time).toBe((ev.data as Finding).finding_info.modified_time);
    if (Object.keys(fields).length > 0) expect(ev.key).not.toBe(first.key);
    expect(ev.key).toMatch(/#[0-9a-f]{16}$/);
  });
});

describe('the securityhub webhook mapper (an EventBridge event forwarded by an API destination)', () => {
  test('the import and the analyst\'s suppression of the same finding are two keys; the same event twice is one', () => {
    const imported = securityhubMapper({ event: undefined, deliveryId: 'd-1', payload: importedEvent(), receivedAt: 0 }) as MappedEvent[];
    const suppressed = importedEvent([withFields({ Workflow: { Status: 'SUPPRESSED' }, Note: NOTE })]);
    const once = securityhubMapper({ event: undefined, deliveryId: 'd-2', payload: suppressed, receivedAt: 0 }) as MappedEvent[];
    const twice = securityhubMapper({ event: undefined, deliveryId: 'd-3', payload: suppressed, receivedAt: 1 }) as MappedEvent[];
    expect(imported[0]?.key).toBe(FIXTURE_KEY);
    expect(once[0]).toMatchObject({ type: 'secorch.finding.resolved', subject: GD_ARN });
    expect(once[0]?.key).not.toBe(imported[0]?.key);
    expect(twice[0]?.key).toBe(once[0]?.key);
  });
});
