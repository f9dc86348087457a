import type { StateStore } from '../../ports/store';
import { memoryStore } from '../../store/memory';
import { reply } from '../../../test/support/vendor-server';
import { type Harness, harness } from '../transport.testkit';
import { jiraDestination } from './destination';
import { EMAIL, findingEvent, jiraConfig, jiraDeps, TOKEN } from './jira.testkit';
import { FINDING_PROPERTY, uidLabel } from './uid';
import { type FakeJira, ROUTES, STATUS, startFakeJira } from './vendor.testkit';

let h: Harness;
let jira: FakeJira;

beforeEach(async () => {
  h = harness();
  // The search index lags writes by 5 s, as Jira's may: a crash's retry must still find the issue.
  jira = await startFakeJira({ clock: h.clock, indexLagMs: 5_000 });
});
afterEach(async () => {
  await h.close();
  await jira.close();
});

const destination = (extra: Record<string, unknown> = {}) =>
  jiraDestination('jira-sec', jiraConfig(jira.vendor.url, { priority: { high: 'Highest' }, labels: ['scanner {{ data.severity }}'], ...extra }), { sleep: h.sleep, random: () => 0 });

test('the same finding event three times makes one issue, with its fields, label and property', async () => {
  const deliver = destination();
  const deps = jiraDeps(h);
  for (let i = 0; i < 3; i++) await deliver(findingEvent('e1'), deps);
  expect(jira.issues).toHaveLength(1);
  expect(jira.vendor.requestsTo(ROUTES.create)).toHaveLength(1);
  const [issue] = jira.issues;
  expect(issue!.fields).toMatchObject({
    project: { key: 'SEC' }, issuetype: { name: 'Bug' }, summary: '[High] Public S3 bucket', priority: { name: 'Highest' },
    labels: ['scanner-High', 'secorch', uidLabel('acme', 'finding-1')],
    description: { type: 'doc', version: 1, content: [
      { type: 'paragraph', content: [{ type: 'text', text: 'Bucket logs-1 allows public reads.' }, { type: 'hardBreak' }, { type: 'text', text: 'Fix the ACL.' }] },
      { type: 'paragraph', content: [{ type: 'text', text: 'Severity: High' }, { type: 'hardBreak' }, { type: 'text', text: 'Finding: finding-1' }] },
    ] },
  });
  expect(issue!.properties).toEqual({ [FINDING_PROPERTY]: { uid: 'finding-1', tenant: 'acme' } });
  const auth = jira.vendor.requests[0]!.headers.authorization;
  expect(auth).toBe(`Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`);
});

test('killed right after the create call: the retry after the lease finds the issue by uid; resolve transitions that same issue', async () => {
  const deliver = destination();
  const store = memoryStore(h.clock);
  // The process dies once the vendor has answered the create: the `created` record is never written.
  const dying: StateStore = { ...store, put: async (k, v, o) => (JSON.parse(v).state === 'created' ? Promise.reject(new Error('killed')) : store.put(k, v, o)) };
  await expect(deliver(findingEvent('e1'), jiraDeps(h, dying))).rejects.toThrow('killed');
  expect(jira.issues).toHaveLength(1);

  const deps = jiraDeps(h, store);
  await expect(deliver(findingEvent('e1'), deps)).rejects.toMatchObject({ code: 'ticket_in_progress', retryable: true });
  h.clock.advance(121_000);
  for (let i = 0; i < 3; i++) await deliver(findingEvent('e1'), deps);
  expect(jira.issues).toHaveLength(1);
  expect(jira.vendor.requestsTo(ROUTES.create)).toHaveLength(1);

  await deliver(findingEvent('e2', 'updated'), deps);
  expect(jira.issues[0]!.comments).toEqual([{ type: 'doc', version: 1, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Finding updated (secorch.finding.updated): severity High, status New.' }] }] }]);
  await deliver(findingEvent('e3', 'resolved'), deps);
  await deliver(findingEvent('e3', 'resolved'), deps);
  expect(jira.issues).toHaveLength(1);
  expect(jira.issues[0]!.fields.status).toEqual(STATUS.done);
  expect(jira.vendor.requestsTo(ROUTES.transition).map((r) => [r.params.key, r.json()])).toEqual([['10001', { transition: { id: '31' } }]]);
});

test('events other than secorch.finding.* are passed over without a call', async () => {
  const deliver = destination();
  await deliver({ ...findingEvent('x1'), type: 'secorch.webhook.received' }, jiraDeps(h));
  await deliver({ ...findingEvent('x2'), type: 'secorch.finding.triaged' }, jiraDeps(h));
  expect(jira.vendor.requests).toHaveLength(0);
  await expect(deliver(findingEvent('x3', 'created', ''), jiraDeps(h))).rejects.toMatchObject({ code: 'finding_uid_missing', retryable: false });
});

test('the uid falls back to data.finding_info.uid; tenants do not share issues', async () => {
  const deliver = destination();
  const deps = jiraDeps(h);
  await deliver(findingEvent('a1', 'created', 'f-9', { subject: undefined }), deps);
  await deliver(findingEvent('b1', 'created', 'f-9', { tenant: 'other' }), deps);
  expect(jira.issues.map((i) => i.properties[FINDING_PROPERTY])).toEqual([{ uid: 'f-9', tenant: 'acme' }, { uid: 'f-9', tenant: 'other' }]);
});

test('a finding whose title spans lines still makes its issue: the summary is sent on one line', async () => {
  const deliver = destination();
  const event = findingEvent('e1');
  (event.data as { finding_info: { title: string } }).finding_info.title = 'Public S3 bucket\nlogs-1';
  await deliver(event, jiraDeps(h));
  expect(jira.issues).toHaveLength(1);
  expect(jira.issues[0]!.fields.summary).toBe('[High] Public S3 bucket logs-1');
});

test('a finding with a blank title still makes its issue: the summary names it by its uid (Jira refuses a blank summary with 400)', async () => {
  const blank = (id: string, uid: string, title: string) => {
    const event = findingEvent(id, 'created', uid);
    (event.data as { finding_info: { title: string } }).finding_info.title = title;
    return event;
  };
  const deps = jiraDeps(h);
  await destination()(blank('e1', 'f-1', '  '), deps);
  await destination({ summary: '{{ data.finding_info.title }}' })(blank('e2', 'f-2', '\t\u0007\n'), deps);
  expect(jira.issues.map((i) => i.fields.summary)).toEqual(['[High] f-1', 'Security finding: f-2']);
});

test('an issue deleted in Jira while the finding is open: the next event makes a new issue, later ones comment on it', async () => {
  const deliver = destination();
  const deps = jiraDeps(h);
  await deliver(findingEvent('e1'), deps);
  jira.issues.splice(0, 1);
  await deliver(findingEvent('e2', 'updated'), deps);
  await deliver(findingEvent('e3', 'updated'), deps);
  expect(jira.issues.map((i) => [i.key, i.comments.length])).toEqual([['SEC-2', 1]]);
  expect(h.logs.find((l) => l.msg.startsWith('ticket gone from the target'))).toMatchObject({ level: 'warn', fields: { ticket: 'SEC-2', replaced: 'SEC-1' } });
});

test('a create Jira refused (400) holds no lease: the corrected event creates the issue at once', async () => {
  const deps = jiraDeps(h);
  jira.vendor.queue(ROUTES.create, reply.json({ errorMessages: [], errors: { customfield_10001: 'Field is required.' } }, 400));
  await expect(destination()(findingEvent('e1'), deps)).rejects.toMatchObject({ code: 'connector_rejected', retryable: false });
  await destination()(findingEvent('e2'), deps);
  expect(jira.issues.map((i) => i.key)).toEqual(['SEC-1']);
});

test('a resolve of another origin leaves the issue open: the issue is the origin\'s that opened it', async () => {
  const deliver = destination();
  const deps = jiraDeps(h);
  await deliver(findingEvent('e1', 'created', 'finding-1', { origin: 'webhook:scanner' }), deps);
  const requests = jira.vendor.requests.length;
  // An API key of the tenant with events:write sends a resolve with the same finding uid.
  await deliver(findingEvent('x1', 'resolved', 'finding-1', { origin: 'api:ci-bot' }), deps);
  await deliver(findingEvent('x2', 'updated', 'finding-1', { origin: 'api:ci-bot' }), deps);
  expect(jira.vendor.requests).toHaveLength(requests);
  expect(jira.issues.map((i) => [i.key, i.fields.status.name, i.comments.length])).toEqual([['SEC-1', STATUS.todo.name, 0]]);
  expect(h.logs.filter((l) => l.level === 'warn')).toEqual(Array(2).fill(expect.objectContaining({
    msg: 'finding event of another origin than the one that opened the ticket; acknowledged without acting on it',
    fields: expect.objectContaining({ destination: 'jira-sec', tenant: 'acme', origin: 'api:ci-bot', ticketOrigin: 'webhook:scanner', ticket: 'SEC-1' }),
  })));
  expect(h.logs).toContainEqual(expect.objectContaining({ msg: 'jira destination applied a finding event', fields: expect.objectContaining({ eventId: 'x1', action: 'skipped', reason: 'ticket of another origin' }) }));
  // The origin that opened it resolves it.
  await deliver(findingEvent('e2', 'resolved', 'finding-1', { origin: 'webhook:scanner' }), deps);
  expect(jira.issues.map((i) => i.fields.status.name)).toEqual([STATUS.done.name]);
});
