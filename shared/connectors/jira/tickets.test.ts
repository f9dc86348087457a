import { type Harness, harness } from '../transport.testkit';
import { jiraConfig, findingEvent } from './jira.testkit';
import { jiraTickets } from './tickets';
import { jiraTransport } from './transport';
import { FINDING_PROPERTY, uidLabel } from './uid';
import { type FakeJira, ROUTES, STATUS, startFakeJira, TRANSITIONS } from './vendor.testkit';

let h: Harness;
let jira: FakeJira;

beforeEach(async () => {
  h = harness();
  jira = await startFakeJira({ clock: h.clock, indexLagMs: 3_000 });
});
afterEach(async () => {
  await h.close();
  await jira.close();
});

const system = (extra: Record<string, unknown> = {}) => {
  const config = jiraConfig(jira.vendor.url, extra);
  return jiraTickets(jiraTransport('jira-sec', config, h, { sleep: h.sleep }), config, 'acme');
};

test('search is eventually consistent: an issue just created is found only once the index caught up', async () => {
  const s = system();
  const ref = await s.create('f-1', findingEvent('e1', 'created', 'f-1'));
  expect(ref).toEqual({ id: '10001', key: 'SEC-1', url: `${jira.vendor.url}/browse/SEC-1` });
  expect(await s.findByUid('f-1')).toBeUndefined();
  h.clock.advance(3_000);
  expect(await s.findByUid('f-1')).toEqual(ref);
  expect(await s.findByUid('f-2')).toBeUndefined();
  const sent = jira.vendor.requestsTo(ROUTES.search).at(-1)!.json();
  expect(sent).toEqual({ jql: `project = "SEC" AND labels = "${uidLabel('acme', 'f-2')}" ORDER BY created ASC`, maxResults: 10, fields: ['status'], properties: [FINDING_PROPERTY] });
});

test('a label match whose property names another finding is not this finding; a label-only issue gets its property back', async () => {
  const s = system();
  await s.create('f-1', findingEvent('e1', 'created', 'f-1'));
  h.clock.advance(3_000);
  jira.issues[0]!.properties[FINDING_PROPERTY] = { uid: 'someone-else', tenant: 'acme' };
  expect(await s.findByUid('f-1')).toBeUndefined();
  delete jira.issues[0]!.properties[FINDING_PROPERTY];
  expect(await s.findByUid('f-1')).toMatchObject({ key: 'SEC-1' });
  expect(jira.issues[0]!.properties[FINDING_PROPERTY]).toEqual({ uid: 'f-1', tenant: 'acme' });
  expect(jira.vendor.requestsTo(ROUTES.property)).toHaveLength(1);
});

test('resolve: by transition name or target status; an issue someone closed already needs nothing', async () => {
  const ref = await system().create('f-1', findingEvent('e1', 'created', 'f-1'));
  await system({ resolveTransition: 'in progress' }).resolve(ref, findingEvent('e2', 'resolved', 'f-1'));
  expect(jira.issues[0]!.fields.status).toEqual(STATUS.progress);
  jira.setStatus('SEC-1', STATUS.done);
  await system().resolve(ref, findingEvent('e3', 'resolved', 'f-1'));
  expect(jira.issues[0]!.fields.status).toEqual(STATUS.done);
  expect(jira.vendor.requestsTo(ROUTES.transition)).toHaveLength(1);
  // Each resolve reads the status first; the closed issue needed nothing more.
  expect(jira.vendor.requestsTo(ROUTES.get)).toHaveLength(2);
  expect(jira.vendor.requestsTo(ROUTES.transitions)).toHaveLength(1);
});

test('resolve without the configured transition names the ones available and what to set', async () => {
  const ref = await system().create('f-1', findingEvent('e1', 'created', 'f-1'));
  const err = await system({ resolveTransition: 'Close' }).resolve(ref, findingEvent('e2', 'resolved', 'f-1')).catch((e: unknown) => e);
  expect(err).toMatchObject({
    code: 'connector_rejected', retryable: false,
    message: 'jira-sec: SEC-1 has no transition "Close" from its current status (available: "Start progress", "Done"); set resolveTransition of jira-sec to one of them',
  });
  expect(jira.vendor.requestsTo(ROUTES.transition)).toHaveLength(0);
});

test.each([
  ['Done', STATUS.done],
  ["Won't Do", STATUS.wontDo],
])('an issue a person closed as %s stays as they left it when the finding resolves, though "Done" is offered from every status', async (_, status) => {
  const ref = await system().create('f-1', findingEvent('e1', 'created', 'f-1'));
  jira.setStatus('SEC-1', status);
  const updated = jira.issues[0]!.fields.updated;
  h.clock.advance(60_000);
  await system().resolve(ref, findingEvent('e2', 'resolved', 'f-1'));
  expect(jira.issues[0]!.fields.status).toEqual(status);
  expect(jira.issues[0]!.fields.updated).toBe(updated);
  expect(jira.vendor.requestsTo(ROUTES.transition)).toHaveLength(0);
});

test('an issue deleted in Jira: comment and resolve fail for good with an error naming the issue, not the path or baseUrl', async () => {
  const ref = await system().create('f-1', findingEvent('e1', 'created', 'f-1'));
  jira.issues.length = 0;
  for (const attempt of [() => system().update(ref, findingEvent('e2', 'updated', 'f-1')), () => system().resolve(ref, findingEvent('e3', 'resolved', 'f-1'))]) {
    const err = await attempt().catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'connector_not_found', retryable: false, facts: { ticket: 'SEC-1', vendorStatus: 404 },
      message: 'jira-sec: issue SEC-1 is gone: deleted, or the account may no longer see it: Issue does not exist or you do not have permission to see it.',
    });
  }
});

test('reopen: a done issue takes the first transition to a status outside the done category; an open one needs nothing', async () => {
  const ref = await system().create('f-1', findingEvent('e1', 'created', 'f-1'));
  expect(await system().reopen(ref, findingEvent('e2', 'updated', 'f-1'))).toEqual({ kind: 'open' });
  jira.setStatus('SEC-1', STATUS.wontDo);
  // From Won't Do, "Done" comes first but stays in the done category; "Reopen" leads to To Do.
  expect(await system().reopen(ref, findingEvent('e3', 'updated', 'f-1'))).toEqual({ kind: 'reopened', status: 'To Do' });
  expect(jira.issues[0]!.fields.status).toEqual(STATUS.todo);
  expect(jira.vendor.requestsTo(ROUTES.transition).map((r) => r.json())).toEqual([{ transition: { id: '41' } }]);
  expect(jira.vendor.requestsTo(ROUTES.transitions)).toHaveLength(1);
});

test('reopen with reopenTransition: by transition name or target status; missing, an error names the ones available', async () => {
  const ref = await system().create('f-1', findingEvent('e1', 'created', 'f-1'));
  jira.setStatus('SEC-1', STATUS.done);
  expect(await system({ reopenTransition: 'to do' }).reopen(ref, findingEvent('e2', 'updated', 'f-1'))).toEqual({ kind: 'reopened', status: 'To Do' });
  jira.setStatus('SEC-1', STATUS.done);
  const err = await system({ reopenTransition: 'Start progress' }).reopen(ref, findingEvent('e3', 'updated', 'f-1')).catch((e: unknown) => e);
  expect(err).toMatchObject({
    code: 'connector_rejected', retryable: false,
    message: 'jira-sec: SEC-1 has no transition "Start progress" from its current status (available: "Done", "Reopen"); set reopenTransition of jira-sec to one of them',
  });
  expect(jira.issues[0]!.fields.status).toEqual(STATUS.done);
});

test('reopen where the workflow offers no way out of the done category: the issue stays, with the reason', async () => {
  await jira.close();
  jira = await startFakeJira({ clock: h.clock, transitions: TRANSITIONS.filter((x) => x.name !== 'Reopen') });
  const ref = await system().create('f-1', findingEvent('e1', 'created', 'f-1'));
  jira.setStatus('SEC-1', STATUS.done);
  expect(await system().reopen(ref, findingEvent('e2', 'updated', 'f-1'))).toEqual({
    kind: 'stays', reason: 'jira-sec: SEC-1 is Done and offers no transition to a status outside the done category (available: "Done"); set reopenTransition of jira-sec, or add such a transition to the workflow',
  });
  expect(jira.vendor.requestsTo(ROUTES.transition)).toHaveLength(0);
});

test('reopen of a deleted issue is gone, as for comments and resolves', async () => {
  const ref = await system().create('f-1', findingEvent('e1', 'created', 'f-1'));
  jira.issues.length = 0;
  expect(await system().reopen(ref, findingEvent('e2', 'updated', 'f-1')).catch((e: unknown) => e)).toMatchObject({ code: 'connector_not_found', facts: { ticket: 'SEC-1' } });
});
