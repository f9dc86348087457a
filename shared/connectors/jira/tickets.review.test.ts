import { memoryStore } from '../../store/memory';
import { type Harness, harness } from '../transport.testkit';
import { jiraDestination } from './destination';
import { findingEvent, jiraConfig, jiraDeps } from './jira.testkit';
import { FINDING_PROPERTY } from './uid';
import { type FakeJira, ROUTES, STATUS, startFakeJira } from './vendor.testkit';

/**
 * The issue a finding's ticket record names is acted on only while it is that finding's issue.
 * Issue ids count from 10000 on every Jira site, and a project key of a deleted project can be
 * taken by a new project whose numbering starts at 1 again: an id or key alone does not say
 * which issue it is.
 */
let h: Harness;
let siteA: FakeJira;
let siteB: FakeJira;

beforeEach(async () => {
  h = harness();
  siteA = await startFakeJira({ clock: h.clock });
  siteB = await startFakeJira({ clock: h.clock });
});
afterEach(async () => {
  await h.close();
  await siteA.close();
  await siteB.close();
});

const destination = (site: FakeJira) => jiraDestination('jira-sec', jiraConfig(site.vendor.url), { sleep: h.sleep, random: () => 0 });

test('after the destination was pointed at another site, the issue there with the same id and key is left alone', async () => {
  const store = memoryStore(h.clock);
  await destination(siteA)(findingEvent('e1', 'created', 'finding-1'), jiraDeps(h, store));
  // Site B has an issue of its own with the same id and key (here another finding's, from another secorch set-up).
  await destination(siteB)(findingEvent('x1', 'created', 'other-finding'), jiraDeps(h));
  expect(siteB.issues.map((i) => [i.id, i.key])).toEqual([['10001', 'SEC-1']]);

  const deliver = destination(siteB);
  await deliver(findingEvent('e2', 'updated', 'finding-1'), jiraDeps(h, store));
  await deliver(findingEvent('e3', 'resolved', 'finding-1'), jiraDeps(h, store));

  const other = siteB.issues[0]!;
  expect(other.comments).toEqual([]);
  expect(other.fields.status).toEqual(STATUS.todo);
  // The open finding gets an issue on the site it is now sent to, and that one is resolved.
  expect(siteB.issues.slice(1).map((i) => [i.key, i.properties[FINDING_PROPERTY], i.fields.status.name])).toEqual([['SEC-2', { uid: 'finding-1', tenant: 'acme' }, 'Done']]);
});

test('a project key taken by a new project after the old one was deleted: the new SEC-1 is not the finding\'s issue', async () => {
  const store = memoryStore(h.clock);
  const deliver = destination(siteA);
  await deliver(findingEvent('e1', 'created', 'finding-1'), jiraDeps(h, store));
  // The project is deleted, and a new project with the key SEC numbers its first issue SEC-1 again.
  siteA.issues.length = 0;
  siteA.issues.push({
    id: '20001', key: 'SEC-1', createdAt: h.clock.now(), comments: [], properties: {},
    fields: { summary: 'Quarterly access review', labels: [], status: STATUS.todo, updated: new Date(h.clock.now()).toISOString() },
  });

  await deliver(findingEvent('e2', 'updated', 'finding-1'), jiraDeps(h, store));
  await deliver(findingEvent('e3', 'resolved', 'finding-1'), jiraDeps(h, store));

  const unrelated = siteA.issues.find((i) => i.id === '20001')!;
  expect(unrelated.comments).toEqual([]);
  expect(unrelated.fields.status).toEqual(STATUS.todo);
  expect(siteA.issues.filter((i) => i.id !== '20001').map((i) => [i.properties[FINDING_PROPERTY], i.fields.status.name])).toEqual([[{ uid: 'finding-1', tenant: 'acme' }, 'Done']]);
});

// Jira also answers the old key of a moved issue; the fake does not, so this pins that the id is what is used.
test('the finding\'s own issue, moved to another project (a new key), is still commented on and resolved', async () => {
  const store = memoryStore(h.clock);
  const deliver = destination(siteA);
  await deliver(findingEvent('e1', 'created', 'finding-1'), jiraDeps(h, store));
  siteA.issues[0]!.key = 'OPS-7';
  await deliver(findingEvent('e2', 'updated', 'finding-1'), jiraDeps(h, store));
  await deliver(findingEvent('e3', 'resolved', 'finding-1'), jiraDeps(h, store));
  expect(siteA.issues.map((i) => [i.key, i.comments.length, i.fields.status.name])).toEqual([['OPS-7', 1, 'Done']]);
  expect(siteA.vendor.requestsTo(ROUTES.create)).toHaveLength(1);
});

test('an issue whose finding property was removed but which keeps the finding label is still the finding\'s: the property is restored', async () => {
  const store = memoryStore(h.clock);
  const deliver = destination(siteA);
  await deliver(findingEvent('e1', 'created', 'finding-1'), jiraDeps(h, store));
  delete siteA.issues[0]!.properties[FINDING_PROPERTY];
  await deliver(findingEvent('e2', 'updated', 'finding-1'), jiraDeps(h, store));
  expect(siteA.issues.map((i) => [i.key, i.comments.length, i.properties[FINDING_PROPERTY]])).toEqual([['SEC-1', 1, { uid: 'finding-1', tenant: 'acme' }]]);
});

test('a create answered 2xx without an issue id and key (a proxy\'s HTML page) is connector_bad_response, not a ticket', async () => {
  const store = memoryStore(h.clock);
  siteA.vendor.queue(ROUTES.create, { status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Please sign in</body></html>' });
  const err = await destination(siteA)(findingEvent('e1', 'created', 'finding-1'), jiraDeps(h, store)).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'connector_bad_response', facts: { vendorStatus: 200 } });
  // Nothing recorded as the finding's ticket: the lease stays (the create may have been applied
  // behind the proxy), so the next attempt searches before it creates.
  const held = await store.get('tkt:jira-sec:acme:finding-1');
  expect(JSON.parse(held!.value)).toMatchObject({ state: 'creating' });
  h.clock.advance(121_000);
  await destination(siteA)(findingEvent('e1', 'created', 'finding-1'), jiraDeps(h, store));
  expect(siteA.issues.map((i) => i.key)).toEqual(['SEC-1']);
});
