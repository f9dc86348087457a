import { reply } from '../../../test/support/vendor-server';
import { type Harness, harness } from '../transport.testkit';
import { createIssue } from './create-issue';
import { jiraDestination } from './destination';
import { searchIssues } from './search-issues';
import { findingEvent, jiraConfig, jiraDeps, TOKEN } from './jira.testkit';
import { jiraTransport } from './transport';
import { type FakeJira, ROUTES, startFakeJira } from './vendor.testkit';

/** Failure answers as Jira Cloud sends them: https://developer.atlassian.com/cloud/jira/platform/rate-limiting/ and .../rest/v3/intro/#status-codes */
let h: Harness;
let jira: FakeJira;

beforeEach(async () => {
  h = harness();
  jira = await startFakeJira({ clock: h.clock });
});
afterEach(async () => {
  await h.close();
  await jira.close();
});

const transport = () => jiraTransport('jira-sec', jiraConfig(jira.vendor.url), h, { sleep: h.sleep, random: () => 0 });
const fields = { project: { key: 'SEC' }, issuetype: { name: 'Bug' }, summary: 'x' };

test('429 with Retry-After: the create waits as asked, is sent again and makes one issue', async () => {
  jira.vendor.queue(ROUTES.create, reply.tooManyRequests('7', { 'x-ratelimit-reason': 'jira-quota-tenant-based' }));
  expect(await createIssue(transport(), { fields })).toMatchObject({ key: 'SEC-1' });
  expect(h.waits).toEqual([7_000]);
  expect(jira.vendor.requestsTo(ROUTES.create)).toHaveLength(2);
  expect(jira.issues).toHaveLength(1);
});

test('401 through the destination: connector_auth_failed naming the destination, never the token', async () => {
  jira.vendor.queue(ROUTES.search, reply.unauthorized({ errorMessages: ['Client must be authenticated to access this resource.'], errors: {} }));
  const deliver = jiraDestination('jira-sec', jiraConfig(jira.vendor.url), { sleep: h.sleep });
  const err = await deliver(findingEvent('e1'), jiraDeps(h)).catch((e: unknown) => e);
  expect(err).toMatchObject({ code: 'connector_auth_failed', retryable: false, extra: { connector: 'jira-sec', vendorStatus: 401 } });
  expect((err as Error).message).toBe('jira-sec: POST /rest/api/3/search/jql was refused as unauthenticated (HTTP 401); check the credentials of jira-sec: Client must be authenticated to access this resource.');
  expect(JSON.stringify(err)).not.toContain(TOKEN);
  expect(jira.issues).toHaveLength(0);
});

test('5xx: a search (idempotent) is retried; a create is not repeated and fails retryable for the queue', async () => {
  jira.vendor.queue(ROUTES.search, reply.serverError(502), reply.unavailable());
  const pages = [];
  for await (const p of searchIssues(transport(), { jql: 'project = "SEC"' })) pages.push(p);
  expect(pages).toHaveLength(1);
  expect(jira.vendor.requestsTo(ROUTES.search)).toHaveLength(3);
  expect(h.waits).toEqual([0, 0]);

  jira.vendor.queue(ROUTES.create, reply.serverError(500, { errorMessages: ['Internal server error'], errors: {} }));
  await expect(createIssue(transport(), { fields })).rejects.toMatchObject({ code: 'connector_unavailable', retryable: true, extra: { vendorMessage: 'Internal server error' } });
  expect(jira.vendor.requestsTo(ROUTES.create)).toHaveLength(1);
  expect(jira.issues).toHaveLength(0);
});

test('search pagination: nextPageToken in the body across several pages until the last', async () => {
  const t = transport();
  for (let i = 0; i < 23; i++) await createIssue(t, { fields: { ...fields, labels: ['secorch'] } });
  const seen: string[] = [];
  const nexts: (string | undefined)[] = [];
  for await (const p of searchIssues(t, { jql: 'project = "SEC" AND labels = "secorch" ORDER BY created ASC', pageSize: 10, fields: ['status'] })) {
    seen.push(...p.items.map((i) => i.key));
    nexts.push(p.next);
  }
  expect(seen).toEqual(Array.from({ length: 23 }, (_, i) => `SEC-${i + 1}`));
  expect(nexts.map((n) => n === undefined)).toEqual([false, false, true]);
  const bodies = jira.vendor.requestsTo(ROUTES.search).map((r) => (r.json() as { nextPageToken?: string }).nextPageToken);
  expect(bodies).toEqual([undefined, nexts[0], nexts[1]]);
  // A stored token resumes where a run stopped.
  const resumed = [];
  for await (const p of searchIssues(t, { jql: 'project = "SEC" AND labels = "secorch" ORDER BY created ASC', pageSize: 10, startToken: nexts[1] })) resumed.push(...p.items.map((i) => i.key));
  expect(resumed).toEqual(['SEC-21', 'SEC-22', 'SEC-23']);
});

test('check(): one call to /rest/api/3/myself; bad credentials are reported for /health/ready', async () => {
  expect(await transport().check()).toEqual({ ok: true, latencyMs: 0 });
  jira.vendor.queue(ROUTES.myself, reply.unauthorized());
  expect(await transport().check()).toMatchObject({ ok: false, error: { code: 'connector_auth_failed' } });
  expect(jira.vendor.requestsTo(ROUTES.myself)).toHaveLength(2);
});

test('search pagination: tokens that come round again (A, B, A, ...) end the listing instead of cycling until maxPages', async () => {
  const t = transport();
  // Two pages that hand each other's token back: a vendor bug a run would otherwise spend its
  // whole deadline on, and the sync job would store and resume for ever.
  const page = (key: string, token: string) => reply.json({ issues: [{ id: key, key, fields: {} }], nextPageToken: token, isLast: false });
  jira.vendor.queue(ROUTES.search, page('SEC-1', 'A'), page('SEC-2', 'B'), page('SEC-3', 'A'), page('SEC-4', 'B'));
  const seen: string[] = [];
  for await (const p of searchIssues(t, { jql: 'project = "SEC"', maxPages: 4 })) seen.push(...p.items.map((i) => i.key));
  expect(seen).toEqual(['SEC-1', 'SEC-2', 'SEC-3']);
  expect(jira.vendor.requestsTo(ROUTES.search)).toHaveLength(3);
});
