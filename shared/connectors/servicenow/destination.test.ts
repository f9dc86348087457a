import { testDeps } from '../../../test/deps';
import { type VendorServer } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import type { StateStore } from '../../ports/store';
import type { Harness } from '../transport.testkit';
import { servicenowDestinationSchema } from './config';
import { correlationId } from './correlation';
import { servicenowDestination } from './destination';
import { eachFakeInstance, type FakeInstance } from './instance.testkit';

/** The `servicenow` destination end to end: the duplicate test and the fields it writes. */
let vendor: VendorServer;
let h: Harness;
let sn: FakeInstance;

eachFakeInstance((kit) => ({ vendor, h, sn } = kit));

const finding = (id: string, transition: string, extra: Partial<CloudEvent> = {}): CloudEvent => ({
  specversion: '1.0', id, source: '//secorch/webhooks/github', type: `secorch.finding.${transition}`, subject: 'gh:acme/api:secret-scanning:7', tenant: 'acme',
  data: { severity_id: 5, severity: 'Critical', finding_info: { uid: 'gh:acme/api:secret-scanning:7', title: 'AWS key committed', desc: 'A live key in config.yml' } },
  ...extra,
});

function setup(over: Record<string, unknown> = {}) {
  const config = servicenowDestinationSchema.parse({
    type: 'servicenow', instanceUrl: vendor.url, auth: { type: 'basic', username: 'svc', password: 'pw' },
    fields: { assignmentGroup: 'Security Operations', category: 'security' }, ...over,
  });
  const { deps } = testDeps();
  Object.assign(deps, { http: h.http, clock: h.clock });
  return { deliver: servicenowDestination('snow', config, { transport: { sleep: h.sleep, random: () => 0 } }), deps };
}

test('the same finding event three times, and once killed right after the create: one incident; resolved resolves it', async () => {
  const { deliver, deps } = setup();
  const store = deps.store;
  // The process dies right after the instance answered the create: the `created` record is never written.
  const dying: StateStore = { ...store, put: (k, v, o) => (v.includes('"state":"created"') ? Promise.reject(new Error('killed')) : store.put(k, v, o)) };
  await expect(deliver(finding('e1', 'created'), { ...deps, store: dying })).rejects.toThrow('killed');
  expect(sn.rows).toHaveLength(1);
  // Redelivered while the dead attempt's lease runs: retried later, nothing created.
  await expect(deliver(finding('e1', 'created'), deps)).rejects.toMatchObject({ code: 'ticket_in_progress', retryable: true });
  h.clock.advance(121_000);
  for (let i = 0; i < 3; i++) await deliver(finding('e1', 'created'), deps);
  expect(sn.rows).toHaveLength(1);
  expect(vendor.requestsTo('POST /api/now/table/:table')).toHaveLength(1);
  // One search before the first create (nothing yet), one by the retry after the lease, which found the incident.
  // Tenant acme's key for the finding (correlation.ts).
  const query = `correlation_id=${correlationId('acme', 'gh:acme/api:secret-scanning:7')}^ORDERBYsys_created_on`;
  expect(vendor.requestsTo('GET /api/now/table/:table').map((r) => r.query.get('sysparm_query'))).toEqual([query, query]);

  await deliver(finding('e2', 'updated'), deps);
  await deliver(finding('e3', 'resolved'), deps);
  await deliver(finding('e3', 'resolved'), deps);
  expect(sn.rows).toHaveLength(1);
  expect(sn.rows[0]).toMatchObject({ state: '6', close_code: 'Solution provided', close_notes: 'Resolved by secorch: finding gh:acme/api:secret-scanning:7 was reported fixed.' });
  expect(sn.notes.get(sn.rows[0]!.sys_id!)).toEqual(['secorch: secorch.finding.updated for finding gh:acme/api:secret-scanning:7 (Critical): AWS key committed']);
  expect(vendor.requestsTo('PUT /api/now/table/:table/:id')).toHaveLength(2);
});

test('the incident carries the rendered fields, urgency and impact from severity, and the correlation', async () => {
  const { deliver, deps } = setup({ severity: { high: { urgency: '2', impact: '1' } }, fields: { caller: '{{ data.actor.user.name }}', extra: { u_repo: '{{ data.repo }}' } } });
  await deliver(finding('e1', 'created'), deps);
  expect(vendor.requestsTo('POST /api/now/table/:table')[0]!.json()).toEqual({
    short_description: 'AWS key committed',
    description: 'A live key in config.yml\n\nFinding: gh:acme/api:secret-scanning:7\nSeverity: Critical\nSource: //secorch/webhooks/github',
    urgency: '1', impact: '1', correlation_id: correlationId('acme', 'gh:acme/api:secret-scanning:7'), correlation_display: 'secorch',
  });
  await deliver(finding('e2', 'created', { subject: 'f-2', data: { severity: 'High', finding_info: { title: 't' }, actor: { user: { name: 'jdoe' } }, repo: 'acme/api' } }), deps);
  expect(vendor.requestsTo('POST /api/now/table/:table')[1]!.json()).toMatchObject({ urgency: '2', impact: '1', caller_id: 'jdoe', u_repo: 'acme/api', correlation_id: correlationId('acme', 'f-2') });
});

test('a finding with a blank title still makes its incident: the short description names it (a template with no text was refused for good)', async () => {
  const blank = (id: string, uid: string, title: string) =>
    finding(id, 'created', { subject: uid, data: { severity: 'High', finding_info: { uid, title } } });
  const defaults = setup();
  await defaults.deliver(blank('e1', 'f-1', '  '), defaults.deps);
  const custom = setup({ fields: { shortDescription: '{{ data.finding_info.title }}' } });
  await custom.deliver(blank('e2', 'f-2', '\t\u0007\n'), custom.deps);
  expect(sn.rows.map((r) => r.short_description)).toEqual(['f-1', 'Security finding: f-2']);
});

test('events that are not findings are skipped; a finding without a uid is refused for good', async () => {
  const { deliver, deps } = setup();
  await deliver({ specversion: '1.0', id: 'w1', source: 's', type: 'secorch.webhook.received' }, deps);
  expect(vendor.requests).toHaveLength(0);
  await expect(deliver(finding('e1', 'created', { subject: undefined, data: {} }), deps)).rejects.toMatchObject({ code: 'finding_uid_missing', retryable: false });
});

test('a data policy refusing the resolve names the settings to fix, not the account roles', async () => {
  const { deliver, deps } = setup({ resolve: { closeCode: 'Solution provided', closeNotes: '{{ data.nothing }}x' } });
  await deliver(finding('e1', 'created'), deps);
  vendor.queue('PUT /api/now/table/:table/:id', () => ({ status: 403, json: { error: { message: 'Operation Failed', detail: 'Data Policy Exception: Resolution notes are mandatory' }, status: 'failure' } }));
  const e = await deliver(finding('e2', 'resolved'), deps).catch((x: unknown) => x);
  expect(e).toMatchObject({ code: 'connector_rejected', message: expect.stringContaining('set resolve.state, resolve.closeCode and resolve.closeNotes') });
});

test('a uid starting with javascript: is not run by the instance: the finding never adopts someone else\'s incident', async () => {
  // An incident a person opened, with no correlation_id. The instance evaluates a query value
  // `javascript:...` instead of comparing it; the fake evaluates it to '', which matches this one.
  const human = sn.insert({ short_description: 'Printer on fire' });
  const { deliver, deps } = setup();
  const uid = 'javascript:gs.getUserID()';
  await deliver(finding('e1', 'created', { subject: uid, tenant: 'default' }), deps);
  expect(sn.rows).toHaveLength(2);
  expect(sn.notes.get(human.sys_id!)).toBeUndefined();
  expect(vendor.requestsTo('GET /api/now/table/:table').map((r) => r.query.get('sysparm_query'))).not.toContainEqual(expect.stringContaining('javascript:'));
});

test('two findings whose uids differ only in letter case get an incident each (the instance compares without case)', async () => {
  const { deliver, deps } = setup();
  await deliver(finding('e1', 'created', { subject: 'CVE-2024-1:Pillow', tenant: 'default' }), deps);
  // A new state store: the second finding is looked up in the instance by correlation_id.
  const fresh = setup();
  await fresh.deliver(finding('e2', 'created', { subject: 'CVE-2024-1:pillow', tenant: 'default' }), fresh.deps);
  expect(sn.rows.map((r) => r.correlation_id)).toEqual(['CVE-2024-1:Pillow', 'CVE-2024-1:pillow']);
  expect(sn.notes.get(sn.rows[0]!.sys_id!)).toBeUndefined();
  // Its own record is still found exactly, and adopted rather than made twice.
  const third = setup();
  await third.deliver(finding('e3', 'updated', { subject: 'CVE-2024-1:pillow', tenant: 'default' }), third.deps);
  expect(sn.rows).toHaveLength(2);
  expect(sn.notes.get(sn.rows[1]!.sys_id!)).toHaveLength(1);
  expect(sn.notes.get(sn.rows[0]!.sys_id!)).toBeUndefined();
});

test.each([
  ['resolved by a person, with their own close code and notes', { state: '6', close_code: 'Workaround provided', close_notes: 'Rotated the key by hand.' }],
  ['closed', { state: '7', close_code: 'Solution provided', close_notes: 'Closed after review.' }],
  ['canceled', { state: '8' }],
])('an incident %s is left as it is when the finding resolves: nothing reopened, nothing overwritten', async (_, by) => {
  const { deliver, deps } = setup();
  await deliver(finding('e1', 'created'), deps);
  const row = sn.change(sn.rows[0]!.sys_id!, by);
  const before = { ...row };
  await deliver(finding('e2', 'resolved'), deps);
  expect(sn.rows[0]).toEqual(before);
  expect(vendor.requestsTo('PUT /api/now/table/:table/:id')).toHaveLength(0);
});

test('an incident deleted in the instance while the finding is open: the next event makes a new one; a resolve of a deleted one needs nothing', async () => {
  const { deliver, deps } = setup();
  await deliver(finding('e1', 'created'), deps);
  sn.rows.splice(0, 1);
  await deliver(finding('e2', 'updated'), deps);
  await deliver(finding('e3', 'updated'), deps);
  expect(sn.rows.map((r) => [r.number, sn.notes.get(r.sys_id!)?.length])).toEqual([['INC0010002', 1]]);
  sn.rows.splice(0, 1);
  await deliver(finding('e4', 'resolved'), deps);
  expect(sn.rows).toHaveLength(0);
});
