import { testDeps } from '../../../test/deps';
import { type VendorServer } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { type FakeAuth0, fakeAuth0 } from './auth0.testkit';
import { auth0DestinationSchema } from './config';
import { auth0Destination } from './destination';

/** The blast-radius guard (identity/guard.ts) in front of a local Auth0 tenant (auth0.testkit.ts). */
let vendor: VendorServer;
let h: Harness;
let tenant: FakeAuth0;

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  tenant = fakeAuth0(3);
  tenant.install(vendor);
});

const config = (extra: Record<string, unknown>) => auth0DestinationSchema.parse({
  type: 'auth0', baseUrl: vendor.url, clientId: 'm2m-1', clientSecret: 's', on: { 'secorch.identity.compromised': 'block', 'secorch.identity.cleared': 'unblock' }, ...extra,
});
const event = (type: string, uid: string): CloudEvent => ({ specversion: '1.0', id: 'e1', source: '//test', type, origin: 'webhook:auth0', data: { user: { uid } } });
const id = (i: number) => tenant.users[i]!.user_id;

test('a protected user id is never blocked nor unblocked: no request reaches Auth0', async () => {
  const deps = Object.assign(testDeps().deps, { http: h.http, logger: h.logger });
  const deliver = auth0Destination('auth0-prod', config({ protect: [id(0)] }), { sleep: h.sleep });
  await expect(deliver(event('secorch.identity.compromised', id(0)), deps)).rejects.toMatchObject({ code: 'identity_user_protected', retryable: false });
  await expect(deliver(event('secorch.identity.cleared', id(0)), deps)).rejects.toMatchObject({ code: 'identity_user_protected' });
  expect(vendor.requests).toEqual([]);
});

test('the cap refuses the second block within the window, never an unblock; after the window the block passes', async () => {
  const { deps, clock } = testDeps();
  Object.assign(deps, { http: h.http, logger: h.logger });
  const deliver = auth0Destination('auth0-prod', config({ limit: { actions: 1, perSeconds: 60 } }), { sleep: h.sleep });
  await deliver(event('secorch.identity.compromised', id(0)), deps);
  await expect(deliver(event('secorch.identity.compromised', id(1)), deps)).rejects.toMatchObject({ code: 'identity_action_limited', retryable: false });
  expect(vendor.requestsTo('PATCH /api/v2/users/:id').map((r) => r.json())).toEqual([{ blocked: true }]);
  for (let i = 0; i < 3; i++) await deliver(event('secorch.identity.cleared', id(i)), deps);
  expect(tenant.users.map((u) => u.blocked)).toEqual([false, false, false]);
  clock.advance(60 * 1000);
  await deliver(event('secorch.identity.compromised', id(1)), deps);
  expect(tenant.users[1]!.blocked).toBe(true);
});
