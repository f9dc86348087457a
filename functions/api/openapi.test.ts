import { SCOPES } from '../../shared/auth/api-keys';
import { eventRef, keys } from '../../shared/delivery/keys';
import { openApiDocument } from '../health/openapi';
import { apiPaths } from './openapi';
import { apiDeps, call, KEY, seedDelivery } from './testkit';

/** The REST API's part of GET /openapi.json agrees with what the handlers do. */
type Op = { security: Array<{ bearerAuth: string[] }>; responses: Record<string, { content?: Record<string, { schema: unknown }> }> };
const operations = Object.entries(apiPaths).flatMap(([path, ops]) => Object.entries(ops).map(([method, op]) => ({ path, method: method.toUpperCase(), op: op as unknown as Op })));

function refs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => refs(n, out));
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

function resolve(ref: string): unknown {
  return ref.replace(/^#\//, '').split('/').reduce<unknown>((n, part) => (n as Record<string, unknown> | undefined)?.[part], openApiDocument);
}

test('every $ref in the document resolves', () => {
  const all = refs(openApiDocument);
  expect(all.length).toBeGreaterThan(20);
  for (const r of all) expect([r, resolve(r) !== undefined]).toEqual([r, true]);
});

test('each operation names the bearer scope the handler enforces, and documents 401 and 403', async () => {
  const { deps } = apiDeps();
  const path = (p: string) => p.replace('{id}', 'x1');
  for (const { path: p, method, op } of operations) {
    const [scope] = op.security[0]!.bearerAuth;
    expect(SCOPES).toContain(scope);
    expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
    // The reader holds only the :read scopes, the publisher only events:write.
    const key = scope!.endsWith(':read') ? KEY.publisher : KEY.reader;
    const res = await call(deps, method, path(p), { key, body: method === 'GET' || method === 'DELETE' ? undefined : {} });
    expect([method, p, res.status, res.json.scope]).toEqual([method, p, 403, scope]);
  }
});

test('responses carry the required members of their documented schemas', async () => {
  const { deps } = apiDeps();
  const required = (name: string) => (resolve(`#/components/schemas/${name}`) as { required: string[] }).required;
  const created = await call(deps, 'POST', '/subscriptions', { body: { url: 'https://example.com/' } });
  expect(Object.keys(created.json)).toEqual(expect.arrayContaining([...required('Subscription'), 'secret']));
  const list = await call(deps, 'GET', '/subscriptions');
  expect(Object.keys(list.json.items[0])).toEqual(expect.arrayContaining(required('Subscription')));
  const d = await seedDelivery(deps, { subscriptionId: created.json.id });
  expect(Object.keys((await call(deps, 'GET', '/deliveries')).json.items[0])).toEqual(expect.arrayContaining(required('DeliverySummary')));
  expect(Object.keys((await call(deps, 'GET', `/deliveries/${d.id}`)).json)).toEqual(expect.arrayContaining(required('Delivery')));
  expect(openApiDocument.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
});

/** The codes a documented problem response of an operation names (its `code` enum). */
function documentedCodes(path: string, method: string, status: number): string[] {
  const op = (apiPaths as unknown as Record<string, Record<string, Op>>)[path]?.[method];
  const schema = op?.responses[String(status)]?.content?.['application/problem+json']?.schema as { allOf?: Array<{ properties?: { code?: { enum?: string[] } } }> } | undefined;
  return schema?.allOf?.[1]?.properties?.code?.enum ?? [];
}

test('each refusal of retry and recover is answered with a status and code the document lists for it', async () => {
  const { deps } = apiDeps();
  const subscribe = async () => (await call(deps, 'POST', '/subscriptions', { body: { url: 'https://example.com/' } })).json.id as string;
  const [live, disabled, deleted] = [await subscribe(), await subscribe(), await subscribe()];
  const pending = await seedDelivery(deps, { subscriptionId: live, status: 'pending', nextAttemptAt: new Date(deps.clock.now() + 5000).toISOString() });
  const expired = await seedDelivery(deps, { subscriptionId: live }, deps.clock.now() + 1);
  await deps.store.delete(keys.event('acme', eventRef(expired.eventSource, expired.eventId)));
  const ofDisabled = await seedDelivery(deps, { subscriptionId: disabled }, deps.clock.now() + 2);
  const ofDeleted = await seedDelivery(deps, { subscriptionId: deleted }, deps.clock.now() + 3);
  expect((await call(deps, 'PATCH', `/subscriptions/${disabled}`, { body: { enabled: false } })).status).toBe(200);
  expect((await call(deps, 'DELETE', `/subscriptions/${deleted}`)).status).toBe(204);
  const since = { since: new Date(deps.clock.now() - 60_000).toISOString() };
  const cases: Array<[string, string, unknown, number, string]> = [
    ['/deliveries/{id}/retry', pending.id, undefined, 409, 'delivery_pending'],
    ['/deliveries/{id}/retry', expired.id, undefined, 409, 'event_expired'],
    ['/deliveries/{id}/retry', ofDisabled.id, undefined, 409, 'subscription_disabled'],
    ['/deliveries/{id}/retry', ofDeleted.id, undefined, 409, 'subscription_deleted'],
    ['/subscriptions/{id}/recover', disabled, since, 409, 'subscription_disabled'],
    ['/subscriptions/{id}/recover', deleted, since, 404, 'subscription_not_found'],
    ['/subscriptions/{id}/recover', live, { ...since, resumeAfter: 'not-a-cursor' }, 400, 'invalid_cursor'],
  ];
  for (const [path, id, body, status, code] of cases) {
    const res = await call(deps, 'POST', path.replace('{id}', id), { body });
    expect([path, code, res.status, res.json.code]).toEqual([path, code, status, code]);
    expect([path, code, documentedCodes(path, 'post', status)]).toEqual([path, code, expect.arrayContaining([code])]);
  }
});

test('a rotation refused for too many secrets is answered with a status and code the document lists for it', async () => {
  const { deps, clock } = apiDeps();
  const id = (await call(deps, 'POST', '/subscriptions', { body: { url: 'https://example.com/' } })).json.id as string;
  let res = await call(deps, 'POST', `/subscriptions/${id}/rotate-secret`);
  for (let i = 0; i < 5 && res.status === 200; i++) {
    clock.advance(1000);
    res = await call(deps, 'POST', `/subscriptions/${id}/rotate-secret`);
  }
  expect([res.status, res.json.code]).toEqual([409, 'too_many_secrets']);
  expect(documentedCodes('/subscriptions/{id}/rotate-secret', 'post', 409)).toEqual(expect.arrayContaining(['too_many_secrets']));
});
