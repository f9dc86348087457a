import { FIXTURES } from '../fixtures';
import { loadSpec } from './openapi';

/** The contract kit itself, on the vendor descriptions the connector tests use. */
const jira = loadSpec(`${FIXTURES}/openapi/jira-cloud-platform-swagger-v3.v3.json`);

test('Jira (OpenAPI 3): a valid create passes; a wrong path, method, query parameter or body is named', () => {
  const url = 'http://127.0.0.1:9/rest/api/3/issue';
  expect(jira.requestProblems({ method: 'POST', url, body: { fields: { summary: 'x', project: { key: 'SEC' }, issuetype: { name: 'Bug' } } } })).toEqual([]);
  expect(jira.requestProblems({ method: 'POST', url: 'http://127.0.0.1:9/rest/api/3/isue', body: {} })[0]).toMatch(/no such path/);
  expect(jira.requestProblems({ method: 'PATCH', url, body: {} })[0]).toMatch(/no such method/);
  expect(jira.requestProblems({ method: 'POST', url: `${url}?bogus=1`, body: { fields: {} } })).toContain('POST /rest/api/3/issue: undeclared query parameter bogus');
  expect(jira.requestProblems({ method: 'POST', url, body: { fields: 'not an object' } }).join()).toMatch(/body\/fields must be object/);
});

test('Jira: path templates match with parameters; responses validate against their schema', () => {
  const url = 'http://127.0.0.1:9/rest/api/3/issue/SEC-1/transitions';
  expect(jira.requestProblems({ method: 'POST', url, body: { transition: { id: '31' } } })).toEqual([]);
  expect(jira.responseProblems({ method: 'POST', url: 'http://127.0.0.1:9/rest/api/3/issue' }, 201, { id: '10000', key: 'SEC-1', self: 'https://x/rest/api/3/issue/10000' })).toEqual([]);
  expect(jira.responseProblems({ method: 'POST', url: 'http://127.0.0.1:9/rest/api/3/issue' }, 201, { id: 10000 }).join()).toMatch(/body\/id must be string/);
});

test('Slack (Swagger 2, form fields): required fields and undeclared ones are named', () => {
  const slack = loadSpec(`${FIXTURES}/openapi/slack-web-openapi-v2.json`);
  const url = 'https://slack.com/api/chat.postMessage';
  expect(slack.requestProblems({ method: 'POST', url, headers: { token: 'x' }, body: { channel: 'C1', text: 'hi' } }).filter((p) => !/header/.test(p))).toEqual([]);
  expect(slack.requestProblems({ method: 'POST', url, body: { text: 'hi', colour: 'red' } })).toEqual(expect.arrayContaining([
    'POST /chat.postMessage: undeclared form field colour', 'POST /chat.postMessage: missing required form field channel',
  ]));
});

test('Okta (YAML) and ServiceNow descriptions load; their base paths are stripped', () => {
  const okta = loadSpec(`${FIXTURES}/openapi/okta-management-minimal.yaml`);
  expect(okta.requestProblems({ method: 'POST', url: 'https://acme.okta.com/api/v1/users/00u1/lifecycle/suspend' })).toEqual([]);
  expect(okta.requestProblems({ method: 'POST', url: 'https://acme.okta.com/api/v1/users/00u1/lifecycle/explode' })[0]).toMatch(/no such path/);
  const now = loadSpec(`${FIXTURES}/vendors/servicenow/itential_servicenow_madrid_openapi.json`, { basePath: '/api' });
  const url = 'https://x.service-now.com/api/now/table/incident?sysparm_query=correlation_id%3Dx&sysparm_limit=1';
  // This description declares only sysparm_query; the Table API documents sysparm_limit too.
  expect(now.requestProblems({ method: 'GET', url })).toEqual(['GET /now/table/incident: undeclared query parameter sysparm_limit']);
  const documented = loadSpec(`${FIXTURES}/vendors/servicenow/itential_servicenow_madrid_openapi.json`, { basePath: '/api', documentedQuery: ['sysparm_limit'] });
  expect(documented.requestProblems({ method: 'GET', url })).toEqual([]);
});
