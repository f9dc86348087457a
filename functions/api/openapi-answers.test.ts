import Ajv2020 from 'ajv/dist/2020';
import { keepDeadLetter } from '../../shared/deadletters/store';
import { storeUnavailable } from '../../shared/store/unavailable';
import { openApiDocument } from '../health/openapi';
import { apiPaths } from './openapi';
import { apiDeps, call, KEY, seedDelivery } from './testkit';

/**
 * The REST API's answers against GET /openapi.json: bodies meet their documented schemas, and
 * refusals and outages carry a status and code the document lists for the operation. Request
 * schemas refuse what the handlers refuse, so a client validating against them is not surprised.
 */
type Op = { responses: Record<string, { content?: Record<string, { schema: unknown }> }>; requestBody?: unknown };
const op = (path: string, method: string) => (apiPaths as unknown as Record<string, Record<string, Op>>)[path]![method]!;

const ajv = new Ajv2020({ strict: false });
ajv.addSchema({ $id: 'openapi', components: openApiDocument.components });
const valid = (schema: unknown, value: unknown) => {
  const validate = ajv.compile(JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', '"openapi#/components/')) as object);
  return validate(value) ? [] : validate.errors;
};
const component = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function documentedCodes(path: string, method: string, status: number): string[] {
  const schema = op(path, method).responses[String(status)]?.content?.['application/problem+json']?.schema as { allOf?: Array<{ properties?: { code?: { enum?: string[] } } }> } | undefined;
  return schema?.allOf?.[1]?.properties?.code?.enum ?? [];
}

test("a retried delivery's 202 meets its documented schema, with and without deliveries:read", async () => {
  const { deps } = apiDeps();
  const sub = (await call(deps, 'POST', '/subscriptions', { body: { url: 'https://example.com/' } })).json.id as string;
  const schema = op('/deliveries/{id}/retry', 'post').responses['202']!.content!['application/json']!.schema;
  for (const [key, at] of [[KEY.acme, 1], [KEY.operator, 2]] as const) {
    const d = await seedDelivery(deps, { subscriptionId: sub }, deps.clock.now() + at);
    const res = await call(deps, 'POST', `/deliveries/${d.id}/retry`, { key });
    expect(res.status).toBe(202);
    expect(valid(schema, res.json)).toEqual([]);
  }
});

test('a state store outage is a documented 503 store_unavailable on every operation that reads or writes the store', async () => {
  const { deps } = apiDeps();
  const sub = (await call(deps, 'POST', '/subscriptions', { body: { url: 'https://example.com/' } })).json.id as string;
  const down = () => Promise.reject(storeUnavailable('test', 'read', new Error('ECONNREFUSED'), () => 'connection refused'));
  for (const m of ['get', 'list', 'put', 'putAll', 'delete'] as const) (deps.store as unknown as Record<string, unknown>)[m] = down;
  const bodies: Record<string, unknown> = {
    'POST /subscriptions': { url: 'https://example.com/' },
    'PATCH /subscriptions/{id}': { enabled: false },
    'POST /subscriptions/{id}/recover': { since: new Date(0).toISOString() },
    'POST /subscriptions/{id}/rotate-secret': {},
  };
  for (const [path, methods] of Object.entries(apiPaths)) {
    for (const method of Object.keys(methods)) {
      const name = `${method.toUpperCase()} ${path}`;
      // POST /events publishes to the bus and reads no state.
      if (name === 'POST /events') continue;
      const res = await call(deps, method.toUpperCase(), path.replace('{id}', sub), { body: bodies[name] });
      expect([name, res.status, res.json.code]).toEqual([name, 503, 'store_unavailable']);
      expect([name, documentedCodes(path, method, 503)]).toEqual([name, expect.arrayContaining(['store_unavailable'])]);
    }
  }
});

test('a batch naming one event twice and a notification replayed without object storage are refused with documented codes', async () => {
  const { deps } = apiDeps();
  const ev = { specversion: '1.0', id: 'e1', source: 'tool', type: 't' };
  const batch = await call(deps, 'POST', '/events', { body: [ev, ev], headers: { 'content-type': 'application/cloudevents-batch+json' } });
  expect([batch.status, batch.json.code]).toEqual([400, 'duplicate_event']);
  expect(documentedCodes('/events', 'post', 400)).toContain('duplicate_event');

  const kept = await keepDeadLetter(deps, { tenant: 'acme', kind: 'notification', body: '{"Records":[]}', reason: { code: 'report_invalid', message: 'x' } });
  delete (deps as { objects?: unknown }).objects;
  const replay = await call(deps, 'POST', `/dead-letters/${kept.id}/replay`);
  expect([replay.status, replay.json.code]).toEqual([409, 'objects_unavailable']);
  expect(documentedCodes('/dead-letters/{id}/replay', 'post', 409)).toContain('objects_unavailable');
});

test('the subscription schemas refuse what the API refuses, and a patch without enabled leaves it as it is', async () => {
  const { deps } = apiDeps();
  const input = component('SubscriptionInput');
  const refused = [
    { url: '' },
    { url: 'https://example.com/', headers: { 'x-long': 'v'.repeat(4097) } },
    { url: 'https://example.com/', headers: { [`x-${'n'.repeat(127)}`]: 'v' } },
    { url: 'https://example.com/', filter: { foo: {} } },
  ];
  for (const body of refused) {
    expect([body, (await call(deps, 'POST', '/subscriptions', { body })).status]).toEqual([body, 422]);
    expect([body, (valid(input, body) ?? []).length > 0]).toEqual([body, true]);
  }
  const patch = (openApiDocument.components.schemas as unknown as Record<string, { properties: Record<string, object> }>).SubscriptionPatch!;
  expect(patch.properties.enabled).not.toHaveProperty('default');
});
