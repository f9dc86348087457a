import { SCOPES } from '../../shared/auth/api-keys';
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
