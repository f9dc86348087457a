import type { InboundRecord } from '../../shared/contracts';
import { AppError } from '../../shared/errors';
import { validateCloudEvent } from '../../shared/events/cloudevent';
import { stableEventId } from '../../shared/mappers';
import { asffUid } from '../../shared/mappers/aws';
import { GD_ARN, guardDutyAsff, importedEvent, importedV2Event, trivyVulns } from '../../shared/mappers/aws/fixtures.testkit';
import type { Metrics } from '../../shared/ports';
import { testDeps } from '../../test/deps';
import { fixtureJson } from '../../test/fixtures';
import { identityActions } from '../../shared/connectors/identity/action';
import { cloudFindings, publishFindingEvents } from './handler';

// Real events: the GuardDuty ASFF finding in the "Security Hub Findings - Imported" envelope and
// Trivy's ASFF findings (see shared/mappers/aws/fixtures.testkit.ts and ../shared/fixtures/SOURCES.md).
const record = (event: unknown): InboundRecord => ({ id: 'r-1', body: JSON.stringify(event), attributes: {} });
const countingDeps = () => {
  const t = testDeps();
  const counts: [string, number, Record<string, string> | undefined][] = [];
  const metrics: Metrics = { count: (name, value = 1, tags) => void counts.push([name, value, tags]), timing: () => undefined };
  t.deps.metrics = metrics;
  return { ...t, counts };
};
const codeOf = async (p: Promise<unknown>) => p.then(() => 'resolved', (e: unknown) => (e instanceof AppError ? `${e.code}/${e.status}/${e.retryable}` : String(e)));

describe('cloud-findings', () => {
  test('a Security Hub imported finding becomes one secorch.finding event with a deterministic id', async () => {
    const { deps, bus, counts } = countingDeps();
    await cloudFindings(record(importedEvent()), deps);
    expect(bus.events).toHaveLength(1);
    const [ce] = bus.events;
    expect(ce).toEqual({
      specversion: '1.0',
      // The key ends with a digest of the fields BatchUpdateFindings writes without moving
      // UpdatedAt (Workflow, Severity, Note, ...; see shared/mappers/aws/asff-revision.ts). The
      // id was derived from uid@UpdatedAt alone before, so an analyst's change repeated the id
      // of the previous import and deduplicating consumers dropped it.
      id: stableEventId(`${GD_ARN}@2020-09-30T12:14:00.206Z#d86d70b7594dbd60`),
      source: 'aws.securityhub',
      type: 'secorch.finding.updated',
      time: '2020-09-30T12:14:00.206Z',
      subject: GD_ARN,
      datacontenttype: 'application/json',
      data: expect.objectContaining({ class_uid: 2004, severity_id: 3, finding_info: expect.objectContaining({ uid: GD_ARN }) }),
      tenant: 'default',
      origin: 'eventbridge:aws.securityhub',
      deliveryid: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    });
    expect(ce!.id).toBe('51877019-8311-5717-97e0-510858f08728');
    expect(validateCloudEvent(ce)).toEqual([]);
    expect(counts).toContainEqual(['cloudfindings.published', 1, { source: 'aws.securityhub', detailType: 'Security Hub Findings - Imported' }]);
  });

  test('a Security Hub "Findings Imported V2" (OCSF) finding is published as a finding event with the same subject as its ASFF copy', async () => {
    // The V2 event is built from AWS's documented envelope (no recorded one is in the fixtures;
    // see shared/mappers/aws/fixtures.testkit.ts).
    const { deps, bus, counts } = countingDeps();
    await cloudFindings(record(importedV2Event()), deps);
    expect(bus.events).toHaveLength(1);
    const [ce] = bus.events;
    expect(ce).toEqual(expect.objectContaining({
      source: 'aws.securityhub', type: 'secorch.finding.updated', subject: GD_ARN, time: '2020-09-30T12:14:00.206Z',
      data: expect.objectContaining({ class_uid: 2004, metadata: expect.objectContaining({ version: '1.5.0' }) }),
    }));
    expect(validateCloudEvent(ce)).toEqual([]);
    expect(counts).toContainEqual(['cloudfindings.published', 1, { source: 'aws.securityhub', detailType: 'Findings Imported V2' }]);
  });

  test('several findings: one event each; a finding repeated in the event (same uid, UpdatedAt and customer fields) is published once', async () => {
    const { deps, bus } = countingDeps();
    await cloudFindings(record(importedEvent([guardDutyAsff(), ...trivyVulns()])), deps);
    expect(bus.events.map((e) => e.type)).toEqual(['secorch.finding.updated', 'secorch.finding.created', 'secorch.finding.created']);
    expect(new Set(bus.events.map((e) => e.id)).size).toBe(3);
  });

  test('a later state of the same finding has the same subject and a new id', async () => {
    const { deps, bus } = countingDeps();
    await cloudFindings(record(importedEvent()), deps);
    await cloudFindings(record(importedEvent([{ ...guardDutyAsff(), RecordState: 'ARCHIVED', UpdatedAt: '2020-10-01T00:00:00Z' }])), deps);
    const [before, after] = bus.events;
    expect(after).toMatchObject({ type: 'secorch.finding.resolved', subject: before!.subject, time: '2020-10-01T00:00:00.000Z' });
    expect(after!.id).not.toBe(before!.id);
  });

  test('BatchUpdateFindings changes (UpdatedAt unchanged) each get a new id; their redelivery does not', async () => {
    const { deps, bus } = countingDeps();
    const note = { Text: 'Escalated to the on-call team', UpdatedBy: 'analyst-role', UpdatedAt: '2020-10-01T09:00:00Z' };
    const states = [
      guardDutyAsff(),
      { ...guardDutyAsff(), Workflow: { Status: 'NOTIFIED' }, Note: note },
      { ...guardDutyAsff(), Workflow: { Status: 'NOTIFIED' }, Note: note, Severity: { Product: 2, Label: 'HIGH', Normalized: 70 } },
      { ...guardDutyAsff(), Workflow: { Status: 'SUPPRESSED' }, Note: note, Severity: { Product: 2, Label: 'HIGH', Normalized: 70 } },
    ];
    for (const f of states) await cloudFindings(record(importedEvent([f])), deps);
    await cloudFindings(record(importedEvent([states[3]])), deps); // an EventBridge redelivery
    expect(bus.events.map((e) => e.type)).toEqual(['secorch.finding.updated', 'secorch.finding.updated', 'secorch.finding.updated', 'secorch.finding.resolved', 'secorch.finding.resolved']);
    expect(bus.events.every((e) => e.time === '2020-09-30T12:14:00.206Z')).toBe(true);
    const ids = bus.events.map((e) => e.id);
    expect(new Set(ids.slice(0, 4)).size).toBe(4);
    expect(ids[4]).toBe(ids[3]);
  });

  test('an analyst\'s change to a finding never re-imported (CreatedAt == UpdatedAt) is not typed created again', async () => {
    const { deps, bus } = countingDeps();
    const fresh = { ...guardDutyAsff(), UpdatedAt: '2020-08-22T09:34:34.146Z' };
    await cloudFindings(record(importedEvent([fresh, { ...fresh, Workflow: { Status: 'NOTIFIED' } }])), deps);
    expect(bus.events.map((e) => e.type)).toEqual(['secorch.finding.created', 'secorch.finding.updated']);
    expect(bus.events[1]!.id).not.toBe(bus.events[0]!.id);
  });

  test('an EventBridge time in a leap second (RFC 3339 allows 23:59:60) is a time: the findings are published', async () => {
    const { deps, bus } = countingDeps();
    await cloudFindings(record({ ...importedEvent([guardDutyAsff()]), time: '2016-12-31T23:59:60Z' }), deps);
    expect(bus.events).toHaveLength(1);
    expect(bus.events[0]!.time).toBe('2020-09-30T12:14:00.206Z');
  });

  test('other detail-types are skipped and counted, nothing is published', async () => {
    const { deps, bus, counts } = countingDeps();
    await cloudFindings(record(fixtureJson('events/aws-eventbridge-base.json')), deps);
    expect(bus.events).toEqual([]);
    expect(counts).toEqual([['cloudfindings.skipped', 1, { source: 'aws.ec2', detailType: 'EC2 Instance State-change Notification' }]]);
  });

  test('entries that are not findings are skipped and counted; the others are published', async () => {
    const { deps, bus, counts } = countingDeps();
    await cloudFindings(record(importedEvent([42, guardDutyAsff()])), deps);
    expect(bus.events).toHaveLength(1);
    expect(counts).toContainEqual(['cloudfindings.malformed', 1, expect.anything()]);
  });

  test.each([
    ['not JSON', '{"version":'],
    ['not an object', '[1,2]'],
    ['no detail-type', JSON.stringify({ ...importedEvent(), 'detail-type': undefined })],
    ['detail is not an object', JSON.stringify({ ...importedEvent(), detail: 'findings' })],
    ['a bad time', JSON.stringify({ ...importedEvent(), time: 'yesterday' })],
    // Date.parse reads these as 2001-12-01 and 2042-01-01: the events' time would be made up.
    ['a time that is only a number', JSON.stringify({ ...importedEvent(), time: '12' })],
    ['a time that is prose', JSON.stringify({ ...importedEvent(), time: 'build 42' })],
    ['a time without a zone', JSON.stringify({ ...importedEvent(), time: '2019-12-03T19:10:00' })],
    ['a findings event without findings', JSON.stringify({ ...importedEvent(), detail: { findings: [] } })],
  ])('%s: invalid_event (400, not retryable), nothing published', async (_name, body) => {
    // publishFindingEvents throws it; cloudFindings keeps it as a dead letter (dead-letter.test.ts).
    const { deps, bus } = countingDeps();
    expect(await codeOf(publishFindingEvents(body, deps))).toBe('invalid_event/400/false');
    expect(bus.events).toEqual([]);
  });

  test('the envelope problems are named by field', async () => {
    const { deps } = countingDeps();
    const err = await publishFindingEvents(JSON.stringify({ detail: {} }), deps).catch((e: AppError) => e);
    expect((err as AppError).extra.problems).toEqual(expect.arrayContaining(['id: required non-empty string', 'detail-type: required non-empty string', 'region: required non-empty string']));
  });

  test('a finding larger than the bus takes does not keep the findings after it off the bus; the event still fails, not retryable', async () => {
    // A stand-in for a size-limited bus: functions/ cannot import the provider buses, whose
    // bus_message_too_large refusals run against the emulators in the bus contract suite
    // (shared/ports/bus-contract.testkit.ts, providers/*/bus-*.test.ts).
    const { deps, bus, counts } = countingDeps();
    const limit = 64 * 1024;
    const publish = bus.publish.bind(bus);
    deps.bus = { ...bus, publish: async (e) => {
      const size = Buffer.byteLength(JSON.stringify(e));
      if (size > limit) throw new AppError('bus_message_too_large', `Event ${e.id} is ${size} bytes (test)`, { status: 500, retryable: false, expose: false });
      return publish(e);
    } };
    const huge = { ...guardDutyAsff(), Id: 'huge', Description: 'x'.repeat(limit) };
    const event = importedEvent([guardDutyAsff(), huge, ...trivyVulns()]);
    expect(await codeOf(publishFindingEvents(JSON.stringify(event), deps))).toBe('bus_message_too_large/500/false');
    expect(bus.events.map((e) => e.subject)).toEqual([...new Set([GD_ARN, ...trivyVulns().map((f) => asffUid(f))])]);
    expect(counts).toContainEqual(['cloudfindings.published', 3, expect.anything()]);
  });

  test('a bus failure fails the record; the retry publishes the same ids', async () => {
    const { deps, bus } = countingDeps();
    const event = importedEvent([guardDutyAsff(), ...trivyVulns()]);
    bus.failNext();
    await expect(cloudFindings(record(event), deps)).rejects.toThrow('bus unavailable');
    await cloudFindings(record(event), deps);
    const first = bus.events.map((e) => e.id);
    await cloudFindings(record(event), deps);
    expect(bus.events.slice(3).map((e) => e.id)).toEqual(first);
  });
});

// Identity actions trust webhook and schedule origins; a cloud finding's (`eventbridge:<source>`)
// only when the destination names it. The perform below records what the dispatcher would ask the
// provider for (no identity provider is needed to see the gate).
test('a cloud finding reaches an identity destination only when allowOrigins names its origin', async () => {
  const { deps, bus } = testDeps();
  await cloudFindings(record(importedEvent()), deps);
  const [finding] = bus.events;
  expect(finding!.origin).toBe('eventbridge:aws.securityhub');
  const performed: string[] = [];
  const destination = (allowOrigins: string[]) => identityActions('okta-prod',
    { user: '{{ data.cloud.account.uid }}', on: { 'secorch.finding.updated': 'suspend' }, allowApiOrigin: true, allowOrigins, protect: [], limit: false },
    async (action, user) => (performed.push(`${action} ${user}`), 'done'), []);
  await expect(destination([])(finding!, deps)).rejects.toMatchObject({ code: 'identity_action_refused' });
  await expect(destination(['eventbridge:aws.guardduty', 'storage:eventbridge:aws.securityhub'])(finding!, deps)).rejects.toMatchObject({ code: 'identity_action_refused' });
  expect(performed).toEqual([]);
  await destination(['eventbridge:aws.securityhub'])(finding!, deps);
  expect(performed).toEqual(['suspend 193043430472']);
});
