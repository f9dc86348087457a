import { testDeps } from '../../../test/deps';
import { reply, type VendorServer } from '../../../test/support/vendor-server';
import type { Config } from '../../config/schema';
import type { CloudEvent } from '../../events/cloudevent';
import { createIdentitySyncJob, identitySyncJobSchema } from '../../schedules/jobs/identity-sync';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { type FakeAuth0, fakeAuth0, recordedList, stubBody, stubProblems } from './auth0.testkit';
import { auth0DestinationSchema } from './config';
import { auth0Destination } from './destination';
import { auth0Observation } from './user';

/** Auth0 Management API v2 against a local server; requests checked against go-auth0's stubs, parsing run on its recordings. */
const SECRET = 'auth0-client-secret-1';
let vendor: VendorServer;
let h: Harness;
let tenant: FakeAuth0;

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  tenant = fakeAuth0(5);
  tenant.install(vendor);
});

const config = () => auth0DestinationSchema.parse({ type: 'auth0', baseUrl: vendor.url, clientId: 'm2m-1', clientSecret: SECRET, on: { 'secorch.identity.compromised': 'block' }, user: '{{ data.actor.user.uid }}' });
const deps = () => Object.assign(testDeps().deps, { http: h.http, logger: h.logger, clock: h.clock });
const event = (uid: string): CloudEvent => ({ specversion: '1.0', id: 'e1', source: '//test', type: 'secorch.identity.compromised', origin: 'webhook:auth0', data: { actor: { user: { uid } } } });

test('block: a client credentials token for the Management API audience, PATCH {"blocked": true}; requests match the stubs', async () => {
  const uid = tenant.users[0]!.user_id;
  const deliver = auth0Destination('auth0-prod', config(), { sleep: h.sleep });
  await deliver(event(uid), deps());
  await deliver(event(uid), deps());
  expect(vendor.requests[0]!.json()).toEqual({ grant_type: 'client_credentials', audience: `${vendor.url}/api/v2/`, client_id: 'm2m-1', client_secret: SECRET });
  const patches = vendor.requestsTo('PATCH /api/v2/users/:id');
  expect(patches.map((r) => [r.url.pathname, r.json()])).toEqual([[`/api/v2/users/auth0%7C63d17c4a8869daf88e000000`, { blocked: true }], [`/api/v2/users/auth0%7C63d17c4a8869daf88e000000`, { blocked: true }]]);
  expect(tenant.tokens).toBe(1);
  expect(tenant.users[0]!.blocked).toBe(true);
  expect(vendor.requests.slice(1).flatMap(stubProblems)).toEqual([]);
  expect(h.logs.filter((l) => l.msg === 'identity action').map((l) => l.fields.user)).toEqual([uid, uid]);
});

test('429 with Retry-After is waited out; 404 names the identifier; 401 from the token endpoint keeps the secret out', async () => {
  vendor.queue('PATCH /api/v2/users/:id', reply.tooManyRequests('1', { 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '0' }, { statusCode: 429, error: 'Too Many Requests', message: 'Global limit has been reached' }));
  await auth0Destination('auth0-prod', config(), { sleep: h.sleep })(event(tenant.users[1]!.user_id), deps());
  expect(h.waits).toEqual([1000]);
  await expect(auth0Destination('auth0-prod', config(), { sleep: h.sleep })(event('auth0|nobody'), deps())).rejects.toMatchObject({ code: 'connector_not_found', extra: { vendorStatus: 404 }, message: expect.stringContaining('check the identifier') });
  vendor.on('POST /oauth/token', reply.json({ error: 'access_denied', error_description: `Unauthorized (${SECRET})` }, 401));
  const failed = auth0Destination('auth0-prod', config(), { sleep: h.sleep })(event(tenant.users[1]!.user_id), deps());
  // Auth0 answers a bad client secret 401 `access_denied` (not RFC 6749's invalid_client).
  await expect(failed).rejects.toMatchObject({ extra: { vendorStatus: 401, vendorMessage: 'access_denied' }, retryable: false });
  await expect(failed).rejects.not.toMatchObject({ message: expect.stringContaining(SECRET) });
});

test('429 as Auth0 sends it: X-RateLimit-Reset in epoch seconds, read against Date', async () => {
  const date = 'Tue, 01 Jan 2030 00:00:00 GMT';
  vendor.queue('PATCH /api/v2/users/:id', reply.json({ statusCode: 429, error: 'Too Many Requests', message: 'Global limit has been reached' }, 429,
    { date, 'x-ratelimit-limit': '50', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(Date.parse(date) / 1000 + 3) }));
  await auth0Destination('auth0-prod', config(), { sleep: h.sleep })(event(tenant.users[2]!.user_id), deps());
  expect(h.waits).toEqual([3000]);
  expect(tenant.users[2]!.blocked).toBe(true);
});

test('user parsing on the recorded list and the stub: blocked and multifactor read, absent multifactor is none', () => {
  const recorded = (recordedList().body as { users: never[] }).users[0]!;
  expect(auth0Observation(recorded)).toEqual({ id: 'auth0|63d17c4c5d69f3e86d515d1c', fields: { status: 'active', active: true, email: 'chuck520@example.com', name: 'chuck520@example.com', mfaFactors: 0 } });
  const stub = (stubBody('GET', '/users') as { users: never[] }).users[0]!;
  expect(auth0Observation(stub).fields).toMatchObject({ status: 'blocked', active: false, mfaFactors: 1 });
});

test('identity sync: page/per_page listing resumes after a failure; blocks, deletions and lost MFA reported once; past 1000 users an export job', async () => {
  tenant.users.push(...fakeAuth0(245).users.slice(5));
  const d = deps();
  d.config = { ...d.config, destinations: { 'auth0-prod': config() } } as unknown as Config;
  const bus = d.bus as unknown as { events: CloudEvent[] };
  const job = createIdentitySyncJob({ sleep: h.sleep, random: () => 0.5 });
  const run = () => job.run(identitySyncJobSchema.parse({ type: 'identity-sync', provider: 'auth0', destination: 'auth0-prod' }), { schedule: 'auth0-users', tenant: 'default', due: 0, deadline: h.clock.now() + 60_000 }, d);
  let fails = 0;
  vendor.on('GET /api/v2/users', (req) => (req.query.get('page') === '1' && fails++ < 4 ? reply.serverError(503) : tenant.list(req)));
  await expect(run()).rejects.toMatchObject({ code: 'connector_unavailable' });
  expect(await run()).toMatchObject({ complete: true, round: 1, events: 145 });
  expect(bus.events).toHaveLength(245);
  expect(vendor.requestsTo('GET /api/v2/users').flatMap(stubProblems)).toEqual([]);

  tenant.users.slice(10, 13).forEach((u) => (u.blocked = true));
  tenant.users[20]!.multifactor = [];
  const deleted = tenant.users.splice(30, 2);
  bus.events.length = 0;
  expect(await run()).toMatchObject({ complete: true, round: 2 });
  expect(bus.events.map((e) => [e.type, e.subject])).toEqual([
    ...tenant.users.slice(10, 13).map((u) => ['secorch.identity.user.deactivated', u.user_id]),
    ['secorch.identity.user.mfa_removed', tenant.users[20]!.user_id],
    ...deleted.map((u) => ['secorch.identity.user.deactivated', u.user_id]),
  ]);
  expect(vendor.requestsTo('GET /api/v2/users/:id').flatMap(stubProblems)).toEqual([]);

  // Past 1000 users the listing cannot reach every user: the round reads them through an export
  // job (the stand-in of export.testkit.ts) and reports the new users only.
  tenant.users.push(...fakeAuth0(1003).users.slice(245));
  bus.events.length = 0;
  expect(await run()).toMatchObject({ complete: true, round: 3, events: 758 });
  expect(bus.events.every((e) => e.type === 'secorch.identity.user.created')).toBe(true);
  expect(vendor.requestsTo('POST /api/v2/jobs/users-exports')).toHaveLength(1);
  expect([...vendor.requestsTo('POST /api/v2/jobs/users-exports'), ...vendor.requestsTo('GET /api/v2/jobs/:id')].flatMap(stubProblems)).toEqual([]);
});
