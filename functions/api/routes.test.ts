import { keepDeadLetter } from '../../shared/deadletters/store';
import { keys } from '../../shared/delivery/keys';
import { apiRoutes } from './routes';
import { apiDeps, call, KEY, seedDelivery } from './testkit';

type Deps = ReturnType<typeof apiDeps>['deps'];

/** A path of each route with ids filled in, and a body that would succeed for the owner. */
function requests(subId: string, dlvId: string, dlqId = 'dlq_00000000000000000000'): Array<{ method: string; path: string; body?: unknown; scope: string }> {
  return [
    { method: 'POST', path: '/events', scope: 'events:write', body: { specversion: '1.0', id: 'e', source: 's', type: 't' } },
    { method: 'POST', path: '/subscriptions', scope: 'subscriptions:write', body: { url: 'https://example.com/' } },
    { method: 'GET', path: '/subscriptions', scope: 'subscriptions:read' },
    { method: 'GET', path: `/subscriptions/${subId}`, scope: 'subscriptions:read' },
    { method: 'PATCH', path: `/subscriptions/${subId}`, scope: 'subscriptions:write', body: { enabled: false } },
    { method: 'DELETE', path: `/subscriptions/${subId}`, scope: 'subscriptions:write' },
    { method: 'POST', path: `/subscriptions/${subId}/rotate-secret`, scope: 'subscriptions:write', body: {} },
    { method: 'POST', path: `/subscriptions/${subId}/recover`, scope: 'deliveries:write', body: { since: '2025-01-01T00:00:00Z' } },
    { method: 'GET', path: '/deliveries', scope: 'deliveries:read' },
    { method: 'GET', path: `/deliveries/${dlvId}`, scope: 'deliveries:read' },
    { method: 'POST', path: `/deliveries/${dlvId}/retry`, scope: 'deliveries:write' },
    { method: 'GET', path: '/dead-letters', scope: 'deliveries:read' },
    { method: 'GET', path: `/dead-letters/${dlqId}`, scope: 'deliveries:read' },
    { method: 'DELETE', path: `/dead-letters/${dlqId}`, scope: 'deliveries:write' },
    { method: 'POST', path: `/dead-letters/${dlqId}/replay`, scope: 'deliveries:write' },
  ];
}

async function seed(deps: Deps) {
  const sub = (await call(deps, 'POST', '/subscriptions', { body: { url: 'https://example.com/' } })).json;
  const dlv = await seedDelivery(deps, { subscriptionId: sub.id });
  const dlq = await keepDeadLetter(deps, { tenant: 'acme', kind: 'event', reason: { code: 'invalid_event', message: 'x' }, body: '{}' });
  return { subId: sub.id as string, dlvId: dlv.id, dlqId: dlq.id };
}

const headersFor = (path: string) => (path === '/events' ? { 'content-type': 'application/cloudevents+json' } : undefined);

describe('the REST API route table', () => {
  test('every route is exercised here', () => {
    const templated = requests('{id}', '{id}', '{id}').map((r) => `${r.method} ${r.path}`);
    expect(templated.sort()).toEqual(apiRoutes.map((r) => `${r.method} ${r.path}`).sort());
  });

  test('every route answers 401 without a key and with a wrong key, before anything else', async () => {
    const { deps } = apiDeps();
    for (const r of requests('sub_nope', 'bad:id')) {
      for (const key of [null, 'not-a-configured-key-0123456789']) {
        const res = await call(deps, r.method, r.path, { key, body: r.body, headers: headersFor(r.path) });
        expect([r.method, r.path, res.status, res.json.code]).toEqual([r.method, r.path, 401, 'unauthorized']);
      }
    }
    const bad = await call(deps, 'GET', '/subscriptions', { headers: { authorization: 'Basic dXNlcjpwdw==' }, key: null });
    expect(bad.status).toBe(401);
  });

  test('every route answers 403 forbidden_scope to a key without its scope, and changes nothing', async () => {
    const { deps } = apiDeps();
    const { subId, dlvId, dlqId } = await seed(deps);
    const before = JSON.stringify(await deps.store.list(''));
    for (const r of requests(subId, dlvId, dlqId)) {
      // The publisher key has only events:write; the reader only the :read scopes.
      const key = r.scope === 'events:write' ? KEY.reader : r.scope.endsWith(':read') ? KEY.publisher : KEY.reader;
      const res = await call(deps, r.method, r.path, { key, body: r.body, headers: headersFor(r.path) });
      expect([r.method, r.path, res.status, res.json.code, res.json.scope]).toEqual([r.method, r.path, 403, 'forbidden_scope', r.scope]);
    }
    expect(JSON.stringify(await deps.store.list(''))).toBe(before);
  });

  test("another tenant's ids answer 404 on every id route, exactly as unknown ids do, and change nothing", async () => {
    const { deps } = apiDeps();
    const { subId, dlvId, dlqId } = await seed(deps);
    const before = JSON.stringify(await deps.store.list(''));
    const unknown = requests('sub_00000000000000000000', 'msg_00000000000000000000', 'dlq_00000000000000000000');
    const idRoutes = requests(subId, dlvId, dlqId).map((r, i) => ({ ...r, missing: unknown[i]! })).filter((r) => [subId, dlvId, dlqId].some((id) => r.path.includes(id)));
    expect(idRoutes).toHaveLength(10);
    for (const r of idRoutes) {
      const foreign = await call(deps, r.method, r.path, { key: KEY.globex, body: r.body });
      const none = await call(deps, r.method, r.missing.path, { key: KEY.acme, body: r.body });
      expect([r.method, r.path, foreign.status]).toEqual([r.method, r.path, 404]);
      const { instance: _a, ...a } = foreign.json;
      const { instance: _b, ...b } = none.json;
      expect(a).toEqual(b); // the same document, apart from `instance` (the request path)
    }
    expect(JSON.stringify(await deps.store.list(''))).toBe(before);
    // ...while the owner still reaches them.
    expect((await call(deps, 'GET', `/subscriptions/${subId}`)).status).toBe(200);
    expect((await call(deps, 'GET', `/deliveries/${dlvId}`)).status).toBe(200);
    expect((await call(deps, 'GET', `/dead-letters/${dlqId}`)).status).toBe(200);
    expect(await deps.store.get(keys.subscription('globex', subId))).toBeUndefined();
  });
});
