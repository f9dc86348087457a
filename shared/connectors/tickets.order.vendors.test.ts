import { testDeps } from '../../test/deps';
import { reply, startVendorServer, type VendorServer } from '../../test/support/vendor-server';
import type { CloudEvent } from '../events/cloudevent';
import type { Deps } from '../ports';
import { memoryStore } from '../store/memory';
import { jiraDestination } from './jira/destination';
import { findingEvent, jiraConfig, jiraDeps } from './jira/jira.testkit';
import { type FakeJira, ROUTES, STATUS, startFakeJira, TRANSITIONS } from './jira/vendor.testkit';
import { servicenowDestinationSchema } from './servicenow/config';
import { servicenowDestination } from './servicenow/destination';
import { type FakeInstance, fakeInstance } from './servicenow/instance.testkit';
import { type Harness, harness } from './transport.testkit';

/**
 * The issue's sequence through the real destinations and their vendor fakes: a finding's created
 * event is held back by a 429 with Retry-After, its resolved event is delivered meanwhile, and the
 * created event's redelivery comes last. No ticket may be left open for the fixed finding; the
 * scanner finding it again later must still open one.
 */
let h: Harness;
beforeEach(() => {
  h = harness();
});
afterEach(async () => {
  await h.close();
});

const minute = (n: number) => new Date(Date.parse('2030-01-01T09:00:00Z') + n * 60_000).toISOString();

describe('jira', () => {
  let jira: FakeJira;
  beforeEach(async () => {
    jira = await startFakeJira({ clock: h.clock, indexLagMs: 5_000 });
  });
  afterEach(async () => {
    await jira.close();
  });

  test('a created event held back by a 429 past the resolve makes no issue; the finding found again gets one', async () => {
    const deliver = jiraDestination('jira-sec', jiraConfig(jira.vendor.url), { sleep: h.sleep, random: () => 0 });
    const deps = jiraDeps(h, memoryStore(h.clock));
    const created = findingEvent('e1', 'created', 'finding-1', { time: minute(0) });
    // Jira asks for ten minutes: more than a call may wait, so the event goes back to its queue.
    jira.vendor.queue(ROUTES.create, reply.tooManyRequests('600', {}, { errorMessages: ['Rate limit exceeded.'], errors: {} }));
    await expect(deliver(created, deps)).rejects.toMatchObject({ code: 'connector_rate_limited', retryable: true });
    h.clock.advance(60_000);
    await deliver(findingEvent('e2', 'resolved', 'finding-1', { time: minute(1) }), deps);
    h.clock.advance(600_000);
    await deliver(created, deps);
    expect(jira.issues).toHaveLength(0);
    expect(h.logs).toContainEqual(expect.objectContaining({ level: 'info', msg: 'jira destination applied a finding event', fields: expect.objectContaining({ eventId: 'e1', action: 'skipped', reason: 'older than the finding\'s resolve' }) }));

    // A day later the scanner reports the finding open again.
    h.clock.advance(86_400_000);
    await deliver(findingEvent('e3', 'updated', 'finding-1', { time: minute(24 * 60) }), deps);
    expect(jira.issues.map((i) => [i.key, i.fields.status.name])).toEqual([['SEC-1', STATUS.todo.name]]);
    await deliver(findingEvent('e4', 'resolved', 'finding-1', { time: minute(25 * 60) }), deps);
    expect(jira.issues.map((i) => i.fields.status.name)).toEqual([STATUS.done.name]);
    expect(jira.vendor.requestsTo(ROUTES.create)).toHaveLength(2);
  });

  test('a finding found again reopens its issue; a resolve held back past that leaves it open', async () => {
    const deliver = jiraDestination('jira-sec', jiraConfig(jira.vendor.url), { sleep: h.sleep, random: () => 0 });
    const deps = jiraDeps(h, memoryStore(h.clock));
    await deliver(findingEvent('e1', 'created', 'finding-1', { time: minute(0) }), deps);
    await deliver(findingEvent('e2', 'resolved', 'finding-1', { time: minute(10) }), deps);
    expect(jira.issues.map((i) => i.fields.status.name)).toEqual([STATUS.done.name]);
    // The scanner reports the finding open at minute 30; a resolve of minute 20 (a dead letter
    // replayed, a redelivery) arrives after that.
    await deliver(findingEvent('e4', 'updated', 'finding-1', { time: minute(30) }), deps);
    expect(jira.issues.map((i) => [i.key, i.fields.status.name, i.comments.length])).toEqual([['SEC-1', STATUS.todo.name, 1]]);
    h.clock.advance(600_000);
    await deliver(findingEvent('e3', 'resolved', 'finding-1', { time: minute(20) }), deps);
    expect(jira.issues.map((i) => i.fields.status.name)).toEqual([STATUS.todo.name]);
    expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'jira destination applied a finding event', fields: expect.objectContaining({ eventId: 'e3', action: 'skipped', reason: 'older than the finding\'s latest open event' }) }));
    expect(jira.vendor.requestsTo(ROUTES.transition).map((r) => r.json())).toEqual([{ transition: { id: '31' } }, { transition: { id: '41' } }]);
    await deliver(findingEvent('e5', 'resolved', 'finding-1', { time: minute(40) }), deps);
    expect(jira.issues.map((i) => i.fields.status.name)).toEqual([STATUS.done.name]);
    expect(jira.vendor.requestsTo(ROUTES.create)).toHaveLength(1);
  });
});

test('jira: a finding found again whose issue the workflow cannot reopen gets its comment, and a warning says why the issue stays done', async () => {
  const jira = await startFakeJira({ clock: h.clock, transitions: TRANSITIONS.filter((x) => x.name !== 'Reopen') });
  try {
    const deliver = jiraDestination('jira-sec', jiraConfig(jira.vendor.url), { sleep: h.sleep, random: () => 0 });
    const deps = jiraDeps(h, memoryStore(h.clock));
    await deliver(findingEvent('e1', 'created', 'finding-1', { time: minute(0) }), deps);
    await deliver(findingEvent('e2', 'resolved', 'finding-1', { time: minute(10) }), deps);
    await deliver(findingEvent('e3', 'updated', 'finding-1', { time: minute(30) }), deps);
    expect(jira.issues.map((i) => [i.fields.status.name, i.comments.length])).toEqual([[STATUS.done.name, 1]]);
    expect(h.logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'ticket of the reopened finding left in its closed status; updated', fields: expect.objectContaining({ ticket: 'SEC-1', reason: expect.stringContaining('offers no transition to a status outside the done category') }) }));
  } finally {
    await jira.close();
  }
});

describe('servicenow', () => {
  let vendor: VendorServer;
  let sn: FakeInstance;
  beforeEach(async () => {
    vendor = await startVendorServer();
    sn = fakeInstance(vendor, { clock: h.clock });
  });
  afterEach(async () => {
    await vendor.close();
  });

  const finding = (id: string, transition: string, time: string): CloudEvent => ({
    specversion: '1.0', id, source: '//secorch/webhooks/github', type: `secorch.finding.${transition}`, subject: 'gh:acme/api:code-scanning:3', tenant: 'acme', time,
    data: { severity_id: 4, severity: 'High', time: Date.parse(time), finding_info: { uid: 'gh:acme/api:code-scanning:3', title: 'SQL injection' } },
  });

  test('a created event held back by a 429 past the resolve makes no incident; the finding found again gets one', async () => {
    const config = servicenowDestinationSchema.parse({ type: 'servicenow', instanceUrl: vendor.url, auth: { type: 'basic', username: 'svc', password: 'pw' } });
    const deliver = servicenowDestination('snow', config, { transport: { sleep: h.sleep, random: () => 0 } });
    const deps: Deps = { ...testDeps().deps, http: h.http, clock: h.clock, store: memoryStore(h.clock), logger: h.logger };
    vendor.queue('POST /api/now/table/:table', reply.tooManyRequests('600', {}, { error: { message: 'Rate limit exceeded' }, status: 'failure' }));
    await expect(deliver(finding('e1', 'created', minute(0)), deps)).rejects.toMatchObject({ code: 'connector_rate_limited', retryable: true });
    h.clock.advance(60_000);
    await deliver(finding('e2', 'resolved', minute(1)), deps);
    h.clock.advance(600_000);
    await deliver(finding('e1', 'created', minute(0)), deps);
    expect(sn.rows).toHaveLength(0);
    expect(h.logs).toContainEqual(expect.objectContaining({ level: 'info', msg: expect.stringMatching(/^finding event older than the finding's resolve/), fields: expect.objectContaining({ eventId: 'e1' }) }));

    h.clock.advance(86_400_000);
    await deliver(finding('e3', 'updated', minute(24 * 60)), deps);
    expect(sn.rows.map((r) => r.state)).toEqual(['1']);
    await deliver(finding('e4', 'resolved', minute(25 * 60)), deps);
    expect(sn.rows.map((r) => r.state)).toEqual(['6']);
  });

  const deliverTo = () => {
    const config = servicenowDestinationSchema.parse({ type: 'servicenow', instanceUrl: vendor.url, auth: { type: 'basic', username: 'svc', password: 'pw' } });
    const deps: Deps = { ...testDeps().deps, http: h.http, clock: h.clock, store: memoryStore(h.clock), logger: h.logger };
    const deliver = servicenowDestination('snow', config, { transport: { sleep: h.sleep, random: () => 0 } });
    return (e: CloudEvent) => deliver(e, deps);
  };

  test('a finding found again puts its resolved incident back in progress; a resolve held back past that leaves it there', async () => {
    const deliver = deliverTo();
    await deliver(finding('e1', 'created', minute(0)));
    await deliver(finding('e2', 'resolved', minute(10)));
    expect(sn.rows.map((r) => [r.state, r.active])).toEqual([['6', 'true']]);
    await deliver(finding('e4', 'updated', minute(30)));
    const [row] = sn.rows;
    expect([row!.state, row!.active]).toEqual(['2', 'true']);
    expect(sn.notes.get(row!.sys_id!)).toEqual([
      'Reopened by secorch: finding gh:acme/api:code-scanning:3 was reported open again.',
      'secorch: secorch.finding.updated for finding gh:acme/api:code-scanning:3 (High): SQL injection',
    ]);
    // The resolve of minute 20, held back, arrives now.
    await deliver(finding('e3', 'resolved', minute(20)));
    expect(sn.rows.map((r) => r.state)).toEqual(['2']);
    await deliver(finding('e5', 'resolved', minute(40)));
    expect(sn.rows.map((r) => r.state)).toEqual(['6']);
  });

  test('a closed incident is read-only: the finding found again gets a new incident naming it, and keeps it', async () => {
    const deliver = deliverTo();
    await deliver(finding('e1', 'created', minute(0)));
    await deliver(finding('e2', 'resolved', minute(10)));
    const old = sn.rows[0]!;
    // The instance closes resolved incidents after a few days (glide.ui.autoclose.time).
    sn.change(old.sys_id!, { state: '7' });
    const closed = { ...old };
    const puts = vendor.requestsTo('PUT /api/now/table/:table/:id').length;
    await deliver(finding('e3', 'updated', minute(30)));
    expect(sn.rows).toHaveLength(2);
    expect(sn.rows[0]).toEqual(closed);
    const fresh = sn.rows[1]!;
    expect([fresh.state, fresh.correlation_id]).toEqual(['1', old.correlation_id]);
    expect(sn.notes.get(fresh.sys_id!)).toEqual([`Opened by secorch in place of ${old.number}, which is closed and can no longer be reopened: finding gh:acme/api:code-scanning:3 was reported open again.`]);
    expect(vendor.requestsTo('PUT /api/now/table/:table/:id').slice(puts)).toEqual([]);
    expect(h.logs).toContainEqual(expect.objectContaining({ level: 'warn', msg: 'ticket closed for good in the target; created a new one for the reopened finding', fields: expect.objectContaining({ ticket: fresh.number, replaced: old.number }) }));
    await deliver(finding('e4', 'updated', minute(40)));
    await deliver(finding('e5', 'resolved', minute(50)));
    expect(sn.rows.map((r) => r.state)).toEqual(['7', '6']);
    expect(sn.notes.get(fresh.sys_id!)).toHaveLength(2);
  });

  test('after the state store is lost, the lookup by correlation_id finds the open incident, not the closed one it replaced', async () => {
    await deliverTo()(finding('e1', 'created', minute(0)));
    const old = sn.rows[0]!;
    sn.change(old.sys_id!, { state: '7' });
    sn.insert({ correlation_id: old.correlation_id!, correlation_display: 'secorch', short_description: 'SQL injection' });
    const deliver = deliverTo();
    await deliver(finding('e2', 'updated', minute(30)));
    expect(sn.rows).toHaveLength(2);
    expect(sn.notes.get(old.sys_id!)).toBeUndefined();
    expect(sn.notes.get(sn.rows[1]!.sys_id!)).toHaveLength(1);
  });
});
