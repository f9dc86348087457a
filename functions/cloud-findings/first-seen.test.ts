import { AppError } from '../../shared/errors';
import type { CloudEvent } from '../../shared/events/cloudevent';
import { mapAwsFindingEvent } from '../../shared/mappers/aws';
import { GD_ARN, guardDutyAsff, guardDutyNative, importedEvent, importedV2Event, ocsfV2Finding, type Json } from '../../shared/mappers/aws/fixtures.testkit';
import type { Finding } from '../../shared/mappers/ocsf';
import type { StateStore } from '../../shared/ports';
import { testDeps } from '../../test/deps';
import { FIRST_SEEN_TTL_SECONDS, firstSeenKey } from './first-seen';
import { cloudFindings } from './handler';

// `created` is the first time the source reports the finding (README, Which transition), known
// from the first-seen record in the state store, not guessed from the event. Replays the real
// GuardDuty ASFF finding in the "Security Hub Findings - Imported" envelope with the memory store.
const DAY = 86_400_000;
const CREATED_AT = '2020-08-22T09:34:34.146Z';
/** The real finding as first imported: never re-imported (CreatedAt == UpdatedAt), Workflow NEW. */
const fresh = (fields: Json = {}): Json => ({ ...guardDutyAsff(), UpdatedAt: CREATED_AT, ...fields });
const NOTE = { Text: 'triaging', UpdatedBy: 'analyst', UpdatedAt: '2020-08-22T10:00:00Z' };
const event = (id: string, findings: unknown[]): Json => ({ ...importedEvent(findings), id });
const guardDutyEvent = (id: string, detail: Json): Json =>
  ({ ...importedEvent(), id, source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail });

const setup = () => {
  const t = testDeps();
  const run = (e: Json) => cloudFindings({ id: String(e.id), body: JSON.stringify(e), attributes: {} }, t.deps);
  return { ...t, run, published: t.bus.events };
};
const activity = (ce: CloudEvent | undefined) => {
  const d = ce?.data as Finding;
  return [ce?.type, d.activity_id, d.activity_name, d.type_uid, d.type_name];
};
const UPDATE = ['secorch.finding.updated', 2, 'Update', 200402, 'Detection Finding: Update'];
const CREATE = ['secorch.finding.created', 1, 'Create', 200401, 'Detection Finding: Create'];

describe('cloud-findings: created once per finding, from the first-seen record', () => {
  test('first event created; a note with the same UpdatedAt updated, written as the mapper writes an update; a redelivery of the first event created again, same id', async () => {
    const { run, published, clock } = setup();
    const first = event('e1', [fresh()]);
    const noted = event('e2', [fresh({ Note: NOTE })]);
    await run(first);
    await run(noted);
    await run(first);
    const [a, b, again] = published;
    expect(activity(a)).toEqual(CREATE);
    expect(activity(b)).toEqual(UPDATE);
    expect(b!.id).not.toBe(a!.id);
    // Exactly the mapper's update of that finding: only the activity differs from its created form.
    const asUpdate = mapAwsFindingEvent(noted, clock.now(), new Set([GD_ARN]));
    expect(asUpdate.kind === 'findings' && asUpdate.events[0]!.data).toEqual(b!.data);
    expect(again!.id).toBe(a!.id);
    expect(again).toEqual(a);
  });

  test('a first report an automation rule set NOTIFIED as it was ingested is created (once); an analyst\'s NOTIFIED after a NEW one is updated', async () => {
    const { run, published } = setup();
    const notified = event('e1', [fresh({ Workflow: { Status: 'NOTIFIED' }, WorkflowState: 'IN_PROGRESS' })]);
    await run(notified);
    await run(notified);
    expect(published.map(activity)).toEqual([CREATE, CREATE]);
    expect(published[1]!.id).toBe(published[0]!.id);
    const later = setup();
    await later.run(event('n1', [fresh()]));
    await later.run(event('n2', [fresh({ Workflow: { Status: 'NOTIFIED' }, WorkflowState: 'IN_PROGRESS' })]));
    expect(later.published.map(activity)).toEqual([CREATE, UPDATE]);
    // A finding re-imported before it was first seen here (UpdatedAt moved) stays an update.
    const old = setup();
    await old.run(event('o1', [{ ...guardDutyAsff(), Workflow: { Status: 'NOTIFIED' } }]));
    expect(old.published.map(activity)).toEqual([UPDATE]);
  });

  test('a finding first seen with an automation rule\'s Severity (not the provider\'s) and Note is created', async () => {
    const { run, published } = setup();
    const provider = { Severity: { Label: 'MEDIUM', Normalized: 40, Product: 2 }, Types: ['TTPs/Initial Access/UnauthorizedAccess:EC2-SSHBruteForce'] };
    await run(event('e1', [fresh({ FindingProviderFields: provider, Severity: { Label: 'CRITICAL', Normalized: 90, Product: 2 }, Note: NOTE })]));
    expect(activity(published[0])).toEqual(CREATE);
    expect((published[0]!.data as Finding).severity_id).toBe(5);
  });

  test('two revisions of a new finding in one event: the first created, the second updated', async () => {
    const { run, published } = setup();
    await run(event('e1', [fresh(), fresh({ Note: NOTE })]));
    expect(published.map((e) => e.type)).toEqual(['secorch.finding.created', 'secorch.finding.updated']);
  });

  test('a store failure fails the event retryably, nothing published; the retry publishes created', async () => {
    const { deps, run, published } = setup();
    const store = deps.store;
    const broken = (e: unknown): StateStore => ({ ...store, get: async () => Promise.reject(e), put: async () => Promise.reject(e) });
    deps.store = broken(new Error('socket hang up'));
    await expect(run(event('e1', [fresh()]))).rejects.toMatchObject({ code: 'finding_state_unavailable', status: 503, retryable: true });
    const unavailable = new AppError('store_unavailable', 'down (test)', { status: 503, retryable: true });
    deps.store = broken(unavailable);
    await expect(run(event('e2', [guardDutyAsff()]))).rejects.toBe(unavailable);
    // The first finding's record written, the second's not: nothing of the event is published.
    let calls = 0;
    deps.store = { ...store, put: async (...a) => (++calls > 1 ? Promise.reject(new Error('timeout')) : store.put(...a)) };
    await expect(run(event('e3', [fresh(), { ...fresh(), Id: 'other' }]))).rejects.toMatchObject({ code: 'finding_state_unavailable' });
    expect(published).toEqual([]);
    deps.store = store;
    await run(event('e1', [fresh()]));
    expect(published.map((e) => e.type)).toEqual(['secorch.finding.created']);
  });

  test('an update seen first records the finding: a created delivered late is updated', async () => {
    const { run, published } = setup();
    await run(event('e2', [guardDutyAsff()]));
    await run(event('e1', [fresh()]));
    expect(published.map((e) => e.type)).toEqual(['secorch.finding.updated', 'secorch.finding.updated']);
  });

  test('the record lives 120 days after a sighting, rewritten at most once a day', async () => {
    const { deps, run, clock } = setup();
    const key = firstSeenKey('default', 'aws.securityhub', 'Security Hub Findings - Imported', GD_ARN);
    const start = clock.now();
    await run(event('e1', [fresh()]));
    expect((await deps.store.get(key))?.expiresAt).toBe(start + FIRST_SEEN_TTL_SECONDS * 1000);
    clock.advance(DAY / 2);
    await run(event('e2', [fresh({ Note: NOTE })]));
    expect((await deps.store.get(key))?.expiresAt).toBe(start + FIRST_SEEN_TTL_SECONDS * 1000);
    clock.advance(DAY);
    await run(event('e3', [fresh({ Note: { ...NOTE, Text: 'escalated' } })]));
    expect((await deps.store.get(key))?.expiresAt).toBe(clock.now() + FIRST_SEEN_TTL_SECONDS * 1000);
    expect(FIRST_SEEN_TTL_SECONDS).toBeGreaterThan(91 * 86_400); // Security Hub keeps a finding 90 days after its last update
  });

  test('GuardDuty finding events: the same rule; the ASFF copy (another source) has a record of its own', async () => {
    // A GuardDuty created (createdAt == updatedAt) has one id, uid@updatedAt: it can follow
    // another revision only out of order, after an update (updatedAt moved).
    const { run, published } = setup();
    const created = guardDutyEvent('g1', { ...guardDutyNative(), updatedAt: CREATED_AT });
    await run(created);
    await run(created);
    await run(event('e1', [fresh()]));
    expect(published.map((e) => [e.source, e.type])).toEqual([
      ['aws.guardduty', 'secorch.finding.created'], ['aws.guardduty', 'secorch.finding.created'], ['aws.securityhub', 'secorch.finding.created'],
    ]);
    expect(published[1]!.id).toBe(published[0]!.id);
    const late = setup();
    await late.run(guardDutyEvent('g2', guardDutyNative()));
    await late.run(created);
    expect(late.published.map(activity)).toEqual([UPDATE, UPDATE]);
  });

  test('Security Hub V2 (OCSF): a Create with a new comment is published as an Update', async () => {
    const { run, published } = setup();
    const create = { ...ocsfV2Finding(), activity_id: 1, activity_name: 'Create', type_uid: 200401, type_name: 'Detection Finding: Create' };
    await run({ ...importedV2Event([create]), id: 'v1' });
    await run({ ...importedV2Event([{ ...create, comment: 'triaging' }]), id: 'v2' });
    expect(activity(published[0])).toEqual(CREATE);
    expect(activity(published[1])).toEqual(UPDATE);
  });
  test('the ASFF and the OCSF (V2) copies of one finding each keep their own created', async () => {
    // Security Hub sends each finding in both formats, same source and uid (README: narrow to one).
    const { run, published } = setup();
    const create = { ...ocsfV2Finding(), activity_id: 1, activity_name: 'Create', type_uid: 200401, type_name: 'Detection Finding: Create' };
    await run(event('a1', [fresh()]));
    await run({ ...importedV2Event([create]), id: 'v1' });
    expect(published.map((e) => e.subject)).toEqual([published[0]!.subject, published[0]!.subject]);
    expect(published.map(activity)).toEqual([CREATE, CREATE]);
    await run(event('a2', [fresh({ Note: NOTE })]));
    await run({ ...importedV2Event([{ ...create, comment: 'triaging' }]), id: 'v2' });
    expect(published.slice(2).map(activity)).toEqual([UPDATE, UPDATE]);
  });
});
