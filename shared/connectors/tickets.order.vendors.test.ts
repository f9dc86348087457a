import { testDeps } from '../../test/deps';
import { reply, startVendorServer, type VendorServer } from '../../test/support/vendor-server';
import type { CloudEvent } from '../events/cloudevent';
import type { Deps } from '../ports';
import { memoryStore } from '../store/memory';
import { jiraDestination } from './jira/destination';
import { findingEvent, jiraConfig, jiraDeps } from './jira/jira.testkit';
import { type FakeJira, ROUTES, STATUS, startFakeJira } from './jira/vendor.testkit';
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
});
