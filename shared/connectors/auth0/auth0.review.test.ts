import { testDeps } from '../../../test/deps';
import { type VendorServer } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { type FakeAuth0, fakeAuth0 } from './auth0.testkit';
import { auth0DestinationSchema } from './config';
import { auth0Destination } from './destination';
import { type Rig, startRig } from './sync.testkit';

/** Review cases of the auth0 destination against a local Auth0 tenant (auth0.testkit.ts). */
let vendor: VendorServer;
let h: Harness;
let tenant: FakeAuth0;

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  tenant = fakeAuth0(2);
  tenant.install(vendor);
});

const config = () => auth0DestinationSchema.parse({
  type: 'auth0', baseUrl: vendor.url, clientId: 'm2m-1', clientSecret: 's', on: { 'secorch.identity.compromised': 'block', 'secorch.identity.cleared': 'unblock' },
});
const event = (type: string, uid: string): CloudEvent => ({ specversion: '1.0', id: 'e1', source: '//test', type, origin: 'webhook:auth0', data: { user: { uid } } });
const deps = () => Object.assign(testDeps().deps, { http: h.http, logger: h.logger });
const id = (i: number) => tenant.users[i]!.user_id;

test('an event type named like an Object member (toString, constructor, __proto__) maps to no action: a blocked user stays blocked', async () => {
  tenant.users[0]!.blocked = true;
  const deliver = auth0Destination('auth0-prod', config(), { sleep: h.sleep });
  for (const type of ['toString', 'constructor', '__proto__', 'valueOf']) await deliver(event(type, id(0)), deps());
  expect(tenant.users[0]!.blocked).toBe(true);
  expect(vendor.requests).toEqual([]);
});

test('a 2xx that is not the Management API\'s answer (a proxy page) is connector_bad_response, never taken for a block', async () => {
  const deliver = auth0Destination('auth0-prod', config(), { sleep: h.sleep });
  vendor.queue('PATCH /api/v2/users/:id', { status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Sign in to continue</body></html>' });
  vendor.queue('PATCH /api/v2/users/:id', { status: 200, json: { message: 'ok' } });
  await expect(deliver(event('secorch.identity.compromised', id(0)), deps())).rejects.toMatchObject({ code: 'connector_bad_response', retryable: false });
  await expect(deliver(event('secorch.identity.compromised', id(0)), deps())).rejects.toMatchObject({ code: 'connector_bad_response' });
  expect(h.logs.filter((l) => l.msg === 'identity action')).toEqual([]);
  // Auth0's answer, the user with its new `blocked`, passes, for block and unblock.
  await deliver(event('secorch.identity.compromised', id(1)), deps());
  await deliver(event('secorch.identity.cleared', id(1)), deps());
  expect(h.logs.filter((l) => l.msg === 'identity action').map((l) => [l.fields.action, l.fields.outcome])).toEqual([['block', 'done'], ['unblock', 'done']]);
});

describe('identity sync lookups (source.ts)', () => {
  let rig: Rig;
  beforeEach(async () => {
    rig = await startRig(3);
  });
  afterEach(() => rig.close());

  test('a lookup answered 200 with something that is not an Auth0 user is connector_bad_response, never a user without an id', async () => {
    const source = rig.source();
    const uid = rig.tenant.users[1]!.user_id;
    rig.vendor.queue('GET /api/v2/users/:id', { status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Sign in to continue</body></html>' });
    await expect(source.lookup!(uid)).rejects.toMatchObject({ code: 'connector_bad_response' });
    rig.vendor.queue('GET /api/v2/users/:id', { status: 200, json: { message: 'ok' } });
    await expect(source.lookup!(uid)).rejects.toMatchObject({ code: 'connector_bad_response' });
    // Auth0's own answers: the user, and a 404 as a deletion.
    expect(await source.lookup!(uid)).toMatchObject({ id: uid });
    expect(await source.lookup!('auth0|nobody')).toEqual({ id: 'auth0|nobody', fields: {}, removed: true });
  });

  test('a listing page answered 200 with something that is not a user list is connector_bad_response, not an empty tenant whose users are all looked up', async () => {
    const job = rig.job();
    await job.run();
    const lookups = () => rig.vendor.requestsTo('GET /api/v2/users/:id').length;
    rig.vendor.queue('GET /api/v2/users', { status: 200, headers: { 'content-type': 'text/html' }, body: '<html><body>Sign in to continue</body></html>' });
    await expect(job.run()).rejects.toMatchObject({ code: 'connector_bad_response' });
    expect(lookups()).toBe(0);
    // The next run reads the tenant as before: nothing changed, nothing reported.
    const before = job.bus.events.length;
    await job.run();
    expect([lookups(), job.bus.events.length]).toEqual([0, before]);
  });
});

test('an action the schema does not know, in a configuration built without it, sends nothing (not an unblock)', async () => {
  tenant.users[0]!.blocked = true;
  const on = { 'secorch.identity.compromised': 'delete' } as unknown as Record<string, 'block'>;
  const deliver = auth0Destination('auth0-prod', { ...config(), on }, { sleep: h.sleep });
  await expect(deliver(event('secorch.identity.compromised', id(0)), deps())).rejects.toMatchObject({ code: 'internal_error', retryable: false });
  expect(tenant.users[0]!.blocked).toBe(true);
  expect(vendor.requestsTo('PATCH /api/v2/users/:id')).toEqual([]);
});
