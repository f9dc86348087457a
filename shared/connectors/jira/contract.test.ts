import { fixturePath } from '../../../test/fixtures';
import { loadSpec } from '../../../test/support/openapi';
import { type Harness, harness } from '../transport.testkit';
import { jiraDestination } from './destination';
import { findingEvent, jiraConfig, jiraDeps } from './jira.testkit';
import { jiraTickets } from './tickets';
import { jiraTransport } from './transport';
import { accountTimeZone } from './myself';
import { searchIssues } from './search-issues';
import { FINDING_PROPERTY } from './uid';
import { type FakeJira, ROUTES, STATUS, startFakeJira } from './vendor.testkit';

/**
 * Every request the connector sends, and every answer it parses, checked against Atlassian's
 * OpenAPI description of the REST API v3 (../shared/fixtures/openapi/jira-cloud-platform-swagger-v3.v3.json).
 */
const spec = loadSpec(fixturePath('openapi/jira-cloud-platform-swagger-v3.v3.json'));

let h: Harness;
let jira: FakeJira;

beforeAll(async () => {
  h = harness();
  jira = await startFakeJira({ clock: h.clock, timeZone: 'Europe/Berlin' });
  const config = jiraConfig(jira.vendor.url, { priority: { High: 'High' }, fields: { components: [{ name: 'security' }] } });
  const deliver = jiraDestination('jira-sec', config, { sleep: h.sleep });
  const deps = jiraDeps(h);
  await deliver(findingEvent('e1'), deps);
  await deliver(findingEvent('e2', 'updated'), deps);
  await deliver(findingEvent('e3', 'resolved'), deps);
  const t = jiraTransport('jira-sec', config, h);
  const tickets = jiraTickets(t, config, 'acme');
  const ref = await tickets.create('f-2', findingEvent('e4', 'created', 'f-2'));
  jira.setStatus(ref.key!, STATUS.done);
  await tickets.resolve(ref, findingEvent('e5', 'resolved', 'f-2'));
  expect(await tickets.reopen(ref, findingEvent('e6', 'updated', 'f-2'))).toEqual({ kind: 'reopened', status: 'To Do' });
  delete jira.issues[1]!.properties[FINDING_PROPERTY];
  await tickets.findByUid('f-2');
  await accountTimeZone(t);
  await t.check();
  for await (const page of searchIssues(t, { jql: 'project = "SEC" AND labels = "secorch" AND updated >= "2030-01-01 00:00" ORDER BY updated ASC, key ASC', fields: ['status', 'updated'], properties: [FINDING_PROPERTY], pageSize: 1 })) void page;
});
afterAll(async () => {
  await h.close();
  await jira.close();
});

test('the scenario used every operation', () => {
  for (const route of Object.values(ROUTES)) expect([route, jira.vendor.requestsTo(route).length > 0]).toEqual([route, true]);
});

test('every request passes the description: path, method, parameters, body schema', () => {
  expect(jira.vendor.requests.length).toBeGreaterThan(10);
  const problems = jira.vendor.requests.flatMap((r) =>
    spec.requestProblems({ method: r.method, url: r.url.href, headers: r.headers as Record<string, string>, body: r.body === '' ? undefined : r.json() }));
  expect(problems).toEqual([]);
});

test('every answer the connector parsed validates against the description', () => {
  expect(jira.answers.map((a) => a.status)).toEqual(expect.arrayContaining([200, 201, 204]));
  const problems = jira.answers.flatMap((a) => spec.responseProblems({ method: a.method, url: a.url }, a.status, a.body));
  expect(problems).toEqual([]);
});

test('the kit is not vacuous: a misspelt body field or an unknown parameter is caught', () => {
  const url = `${jira.vendor.url}/rest/api/3/search/jql`;
  expect(spec.requestProblems({ method: 'POST', url, body: { jql: 'x', maxResult: 5 } })).not.toEqual([]);
  expect(spec.requestProblems({ method: 'GET', url: `${jira.vendor.url}/rest/api/3/issue/SEC-1?field=status` })).not.toEqual([]);
  expect(spec.responseProblems({ method: 'POST', url }, 200, { issues: [{ id: 1 }] })).not.toEqual([]);
});
