import { testDeps } from '../../test/deps';
import { memoryObjects } from '../../shared/objects/memory';
import { livenessWithoutDeps, READY_REUSE_MS, ready } from './handler';

/** GET /health/ready: every dependency the configuration uses is probed, by name. */
const config = {
  destinations: { lake: { type: 'archive', bucket: 'secorch-archive' }, copy: { type: 'archive', bucket: 'secorch-archive' }, out: { type: 'file', path: '/tmp/x.jsonl' } },
};
const body = async (res: Response) => (await res.json()) as { status: string; checks: { name: string; status: string }[] };

test('store, bus and each archive bucket once: 200 when all answer', async () => {
  const { deps } = testDeps(config);
  const objects = memoryObjects(deps.clock);
  const checked: (string | undefined)[] = [];
  objects.check = async (bucket) => void checked.push(bucket);
  const res = await ready(new Request('http://x/health/ready'), { ...deps, objects });
  const b = await body(res);
  expect(res.status).toBe(200);
  expect(b.checks.map((c) => [c.name, c.status])).toEqual([['store', 'ok'], ['bus', 'ok'], ['objects:secorch-archive', 'ok']]);
  expect(checked).toEqual(['secorch-archive']);
});

test('a bucket that does not answer, or no object storage at all, is 503 naming the check', async () => {
  const { deps } = testDeps(config);
  const objects = memoryObjects(deps.clock);
  objects.check = () => Promise.reject(new Error('AccessDenied'));
  const failing = await ready(new Request('http://x/health/ready'), { ...deps, objects });
  expect(failing.status).toBe(503);
  expect((await body(failing)).checks.find((c) => c.name === 'objects:secorch-archive')?.status).toBe('failed');
  const none = await ready(new Request('http://x/health/ready'), { ...deps, objects: undefined });
  expect(none.status).toBe(503);
});

test('connectors are probed with one authenticated read each; a refused one is named, its reason kept out of the answer', async () => {
  const { startVendorServer, reply } = await import('../../test/support/vendor-server');
  const { harness } = await import('../../shared/connectors/transport.testkit');
  const vendor = await startVendorServer();
  const h = harness();
  try {
    vendor.on('GET /rest/api/3/myself', reply.json({ accountId: 'a1', timeZone: 'UTC' }));
    vendor.on('GET /api/v1/users/me', reply.json({ id: '00u1', status: 'ACTIVE', profile: { login: 'svc@example.com' } }));
    vendor.on('GET /api/now/table/incident', reply.unauthorized({ error: { message: 'User Not Authenticated', detail: 'token=abc' } }));
    const { deps } = testDeps({
      destinations: {
        jira: { type: 'jira', baseUrl: vendor.url, email: 'a@example.com', apiToken: 'jira-token', project: 'SEC', issueType: 'Bug' },
        snow: { type: 'servicenow', instanceUrl: vendor.url, auth: { type: 'basic', username: 'u', password: 'p' } },
        teams: { type: 'teams', webhookUrl: 'https://example.webhook.office.com/x' },
        okta: { type: 'okta', baseUrl: vendor.url, apiToken: 'okta-token' },
      },
      egress: { allowPrivate: ['127.0.0.0/8'] },
    });
    const res = await ready(new Request('http://x/health/ready'), { ...deps, http: h.http });
    const b = await body(res);
    expect(res.status).toBe(503);
    expect(b.checks.map((c) => [c.name, c.status])).toEqual([['store', 'ok'], ['bus', 'ok'], ['destination:jira', 'ok'], ['destination:snow', 'failed'], ['destination:okta', 'ok']]);
    expect(JSON.stringify(b)).not.toContain('abc');
    expect(vendor.requests.map((r) => `${r.method} ${r.path}`).sort()).toEqual(['GET /api/now/table/incident', 'GET /api/v1/users/me', 'GET /rest/api/3/myself']);
  } finally {
    await h.close();
    await vendor.close();
  }
});

test('an OAuth connector is probed with the token its actions use: one token request for several probes', async () => {
  const { startVendorServer, reply } = await import('../../test/support/vendor-server');
  const { harness } = await import('../../shared/connectors/transport.testkit');
  const vendor = await startVendorServer();
  const h = harness();
  try {
    // A local stand-in for an Auth0 tenant (no emulator exists): its token endpoint and one user read.
    vendor.on('POST /oauth/token', reply.json({ access_token: 'tok-1', token_type: 'Bearer', expires_in: 86400 }));
    vendor.on('GET /api/v2/users', reply.json([{ user_id: 'auth0|1' }]));
    const { deps } = testDeps({
      destinations: { idp: { type: 'auth0', baseUrl: vendor.url, clientId: 'cid', clientSecret: 'client-secret-0123456789', on: { 'secorch.identity.compromised': ['block'] } } },
      egress: { allowPrivate: ['127.0.0.0/8'] },
    });
    for (let i = 0; i < 3; i++) {
      const res = await ready(new Request('http://x/health/ready'), { ...deps, http: h.http });
      expect((await body(res)).checks.find((c) => c.name === 'destination:idp')?.status).toBe('ok');
    }
    expect(vendor.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /oauth/token', 'GET /api/v2/users', 'GET /api/v2/users', 'GET /api/v2/users']);
    expect(vendor.requests.slice(1).every((r) => r.headers.authorization === 'Bearer tok-1')).toBe(true);
  } finally {
    await h.close();
    await vendor.close();
  }
});

test('an instance reuses its last checks for a few seconds: callers cannot set the pace of authenticated vendor calls', async () => {
  const { startVendorServer, reply } = await import('../../test/support/vendor-server');
  const { harness } = await import('../../shared/connectors/transport.testkit');
  const { fixtureJson } = await import('../../test/fixtures');
  const vendor = await startVendorServer();
  const h = harness();
  try {
    // A Table API answer recorded on a ServiceNow instance.
    vendor.on('GET /api/now/table/incident', reply.json(fixtureJson('vendors/servicenow/itential_table_queryTableByName.json')));
    const { deps, clock } = testDeps({
      destinations: { snow: { type: 'servicenow', instanceUrl: vendor.url, auth: { type: 'basic', username: 'u', password: 'p' } } },
      egress: { allowPrivate: ['127.0.0.1/32'] },
    });
    const instance = { ...deps, http: h.http };
    const get = () => ready(new Request('http://x/health/ready'), instance);
    // A burst, concurrent and one after another: one run of the checks.
    const burst = [...(await Promise.all([get(), get(), get()])), await get(), await get()];
    for (const res of burst) expect((await body(res)).checks.find((c) => c.name === 'destination:snow')?.status).toBe('ok');
    expect(vendor.requests).toHaveLength(1);
    clock.advance(READY_REUSE_MS - 1);
    await get();
    expect(vendor.requests).toHaveLength(1);
    clock.advance(1);
    expect((await get()).status).toBe(200);
    expect(vendor.requests).toHaveLength(2);
  } finally {
    await h.close();
    await vendor.close();
  }
});

describe('livenessWithoutDeps: what the adapters answer before building deps', () => {
  test.each([['GET', '/health'], ['GET', '/health/'], ['HEAD', '/health'], ['get', '/health']])('%s %s: 200 {"status":"ok"}', async (method, path) => {
    const res = livenessWithoutDeps(method, path);
    expect(res?.status).toBe(200);
    expect(res?.headers.get('content-type')).toBe('application/json');
    expect(await res?.json()).toEqual({ status: 'ok' });
  });

  test.each([['GET', '/health/ready'], ['POST', '/health'], ['GET', '/Health'], ['GET', '//health'], ['GET', '/healthz'], ['GET', '/webhooks/health']])('%s %s is left to the handler', (method, path) => {
    expect(livenessWithoutDeps(method, path)).toBeUndefined();
  });
});

describe("a runtime's own checks (the readiness port: locally the workers beside serverless-offline)", () => {
  // The port's answers are given here as a runtime words them; the local one is tested on real
  // files and processes (providers/local/worker-readiness.review.test.ts, scripts/workers.test.ts).
  test('follow the dependency checks, a failed one with its reason; read at every request, not reused', async () => {
    const { deps } = testDeps({});
    const answers = [[{ name: 'worker:router-worker', ok: false, reason: 'crash-looping: exited 3 times in a row within 60 s of starting (last: code 1); npm start restarts it' }], [{ name: 'worker:router-worker', ok: true }]];
    const readiness = { checks: async () => answers.shift() ?? [] };
    const first = await ready(new Request('http://x/health/ready'), { ...deps, readiness });
    expect(first.status).toBe(503);
    expect((await body(first)).checks).toEqual([
      { name: 'store', status: 'ok', ms: 0 }, { name: 'bus', status: 'ok', ms: 0 },
      { name: 'worker:router-worker', status: 'failed', ms: 0, reason: 'crash-looping: exited 3 times in a row within 60 s of starting (last: code 1); npm start restarts it' },
    ]);
    const next = await ready(new Request('http://x/health/ready'), { ...deps, readiness });
    expect(next.status).toBe(200);
    expect((await body(next)).checks.at(-1)).toEqual({ name: 'worker:router-worker', status: 'ok', ms: 0 });
  });

  test('a port that fails is one failed check, runtime, its error logged and not answered', async () => {
    const { deps } = testDeps({});
    const warned: unknown[] = [];
    deps.logger = { ...deps.logger, warn: (msg: string, fields?: unknown) => void warned.push([msg, fields]) };
    const readiness = { checks: () => Promise.reject(new Error('EACCES: /home/me/.data/workers')) };
    const res = await ready(new Request('http://x/health/ready'), { ...deps, readiness });
    expect(res.status).toBe(503);
    const text = JSON.stringify(await body(res));
    expect(text).toContain('{"name":"runtime","status":"failed","ms":0}');
    expect(text).not.toContain('EACCES');
    expect(warned).toEqual([['readiness check failed', { check: 'runtime', error: expect.any(Error) }]]);
  });
});
