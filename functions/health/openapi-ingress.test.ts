import Ajv2020 from 'ajv/dist/2020';
import { fixtureBytes } from '../../test/fixtures';
import { testDeps } from '../../test/deps';
import { setClientInfo } from '../../shared/http/client-info';
import { githubHeaders } from '../../test/support/sign';
import { webhookIngress } from '../webhook-ingress/handler';
import { openApiDocument } from './openapi';

/**
 * GET /openapi.json against what POST, GET and OPTIONS /webhooks/{source} answer: every status
 * is documented for its method, and every body has a documented media type whose schema it meets.
 */
type Media = Record<string, { schema?: unknown }>;
type Operation = { responses: Record<string, { content?: Media }> };
const operations = openApiDocument.paths['/webhooks/{source}'] as unknown as Record<string, Operation>;

const ajv = new Ajv2020({ strict: false });
ajv.addSchema({ $id: 'openapi', components: openApiDocument.components });
const check = (schema: unknown, value: unknown) => {
  const validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')) as object);
  return validate(value) ? [] : validate.errors;
};

async function documented(method: string, res: Response): Promise<unknown[]> {
  const documentedStatus = operations[method.toLowerCase()]?.responses[String(res.status)];
  if (!documentedStatus) return [`${method} ${res.status}: status not documented`];
  const text = await res.text();
  if (text === '') return [];
  const type = (res.headers.get('content-type') ?? '').split(';')[0]!.trim();
  const media = documentedStatus.content?.[type];
  if (!media) return [`${method} ${res.status}: ${type} not documented`];
  if (media.schema === undefined) return [];
  return check(media.schema, type.endsWith('json') ? JSON.parse(text) : text) ?? [];
}

const SECRET = 'test-github-secret';
const EG_SECRET = 'eg-delivery-secret';
const config = {
  sources: {
    github: { verify: { scheme: 'github', secret: SECRET }, mapper: 'github' },
    limited: { verify: { scheme: 'github', secret: SECRET }, rateLimit: { perSecond: 0.001, burst: 1 } },
    fenced: { verify: { scheme: 'github', secret: SECRET }, allow: ['10.0.0.0/8'] },
    azure: { verify: { scheme: 'eventgrid', secret: EG_SECRET } },
    graph: { verify: { scheme: 'msgraph', secret: 'client-state-0123456789' } },
    okta: { verify: { scheme: 'okta', secret: 'okta-hook-secret-0123456789' } },
  },
};
const url = (path: string) => `https://hooks.example.com${path}`;
const request = (method: string, path: string, headers: Record<string, string> = {}, body?: Uint8Array) =>
  setClientInfo(new Request(url(path), { method, headers, body: body as BodyInit | undefined }), { ip: '203.0.113.7' });

test('every answer of the webhook endpoint is in the OpenAPI document, with its media type and body shape', async () => {
  const { deps } = testDeps(config);
  const alert = fixtureBytes('events/github-code_scanning_alert-created.payload.json');
  const signed = githubHeaders(SECRET, alert, 'code_scanning_alert', 'd-1');
  // Headers Event Grid sends with its validation event (https://learn.microsoft.com/azure/event-grid/delivery-and-retry).
  const eventGrid = { 'content-type': 'application/json', 'aeg-event-type': 'SubscriptionValidation', 'X-Api-Key': EG_SECRET };
  const cases: [string, number, Request][] = [
    ['accepted', 202, request('POST', '/webhooks/github', signed, alert)],
    ['replayed', 200, request('POST', '/webhooks/github', signed, alert)],
    ['bad signature', 401, request('POST', '/webhooks/github', { ...signed, 'x-hub-signature-256': `sha256=${'0'.repeat(64)}` }, alert)],
    ['Event Grid validation event', 200, request('POST', '/webhooks/azure', eventGrid, fixtureBytes('events/azure-eventgrid-subscription-validation-event.json'))],
    ['Microsoft Graph validationToken', 200, request('POST', '/webhooks/graph?validationToken=Validation%3A+Testing')],
    ['CloudEvents OPTIONS without WebHook-Request-Origin', 204, request('OPTIONS', '/webhooks/azure', { 'X-Api-Key': EG_SECRET })],
    ['CloudEvents OPTIONS handshake', 200, request('OPTIONS', '/webhooks/azure', { 'X-Api-Key': EG_SECRET, 'WebHook-Request-Origin': 'eventgrid.azure.net' })],
    ['OPTIONS to a source without the handshake', 405, request('OPTIONS', '/webhooks/github')],
    ['Okta verification GET', 200, request('GET', '/webhooks/okta', { Authorization: 'okta-hook-secret-0123456789', 'X-Okta-Verification-Challenge': 'abc123' })],
    ['Okta GET without a challenge', 400, request('GET', '/webhooks/okta', { Authorization: 'okta-hook-secret-0123456789' })],
    ['GET to a source without the handshake', 405, request('GET', '/webhooks/github')],
    ['GET to an unknown source', 404, request('GET', '/webhooks/nope')],
    ['GET from an address not allowed', 403, request('GET', '/webhooks/fenced')],
    ['OPTIONS from an address not allowed', 403, request('OPTIONS', '/webhooks/fenced')],
    ['first GET of a rate-limited source', 405, request('GET', '/webhooks/limited')],
    ['GET beyond the rate limit', 429, request('GET', '/webhooks/limited')],
  ];
  const found: unknown[] = [];
  for (const [what, , req] of cases) {
    const res = await webhookIngress(req, deps);
    found.push([what, res.status, ...(await documented(req.method, res))]);
  }
  expect(found).toEqual(cases.map(([what, status]) => [what, status]));
});
