import { testDeps } from '../../../test/deps';
import { type VendorServer } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { entraDestinationSchema } from './config';
import { entraDestination } from './destination';
import { type FakeTenant, fakeTenant } from './entra.testkit';

/** The blast-radius guard (identity/guard.ts) in front of a local Graph tenant (entra.testkit.ts). */
const TENANT = 'contoso.onmicrosoft.com';
let vendor: VendorServer;
let h: Harness;
let tenant: FakeTenant;

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  tenant = fakeTenant(4);
  tenant.install(vendor, TENANT);
});

const config = (extra: Record<string, unknown>) => entraDestinationSchema.parse({
  type: 'entra', tenantId: TENANT, clientId: 'app-1', clientSecret: 's', graphUrl: vendor.url, loginUrl: vendor.url,
  // The tenant of entra.testkit.ts revokes sessions by object id only; PATCH takes a UPN too.
  on: { 'secorch.identity.compromised': ['disable', 'revoke_sessions'], 'secorch.identity.risky': 'disable' },
  user: '{{ data.user.upn || data.user.id }}', ...extra,
});
const upns = () => [...tenant.users.values()].map((u) => u.userPrincipalName!);
const ids = () => [...tenant.users.keys()];
const event = (user: { upn?: string; id?: string }, type = 'secorch.identity.compromised'): CloudEvent =>
  ({ specversion: '1.0', id: 'e1', source: '//test', type, origin: 'webhook:sentinel', data: { user } });

test('a protected UPN, whatever its case, is never acted on: not even a token is requested', async () => {
  const deps = Object.assign(testDeps().deps, { http: h.http, logger: h.logger });
  const deliver = entraDestination('entra-prod', config({ protect: ['BreakGlass@Contoso.onmicrosoft.com', upns()[0]!.toUpperCase()] }), { sleep: h.sleep });
  await expect(deliver(event({ upn: 'breakglass@contoso.ONMICROSOFT.com' }), deps)).rejects.toMatchObject({ code: 'identity_user_protected', retryable: false });
  await expect(deliver(event({ upn: upns()[0]! }, 'secorch.identity.risky'), deps)).rejects.toMatchObject({ code: 'identity_user_protected' });
  expect(vendor.requests).toEqual([]);
  expect([...tenant.users.values()][0]!.accountEnabled).toBe(true);
  await deliver(event({ upn: upns()[1]! }, 'secorch.identity.risky'), deps);
  expect([...tenant.users.values()][1]!.accountEnabled).toBe(false);
});

test('past the cap the whole event is refused before Graph is called', async () => {
  const { deps, clock } = testDeps();
  Object.assign(deps, { http: h.http, logger: h.logger });
  const deliver = entraDestination('entra-prod', config({ limit: { actions: 2, perSeconds: 600 } }), { sleep: h.sleep });
  await deliver(event({ id: ids()[1]! }), deps);
  const before = vendor.requests.length;
  await expect(deliver(event({ id: ids()[2]! }), deps)).rejects.toMatchObject({ code: 'identity_action_limited', retryable: false });
  expect(vendor.requests.length).toBe(before);
  expect([...tenant.users.values()][2]!.accountEnabled).toBe(true);
  clock.advance(600 * 1000);
  await deliver(event({ id: ids()[2]! }), deps);
  expect([...tenant.users.values()][2]!.accountEnabled).toBe(false);
});

test('a user no request path can carry (a lone surrogate, a dot segment) is refused for good before the cap counts it', async () => {
  const { deps } = testDeps();
  Object.assign(deps, { http: h.http, logger: h.logger });
  const deliver = entraDestination('entra-prod', config({ limit: { actions: 2, perSeconds: 600 } }), { sleep: h.sleep });
  // As an event carries it: `"\ud800"` is valid JSON.
  const lone = (JSON.parse('{"upn":"a\\ud800b@contoso.com"}') as { upn: string }).upn;
  for (const upn of [lone, `$${lone}`, '..', 'x/../admin']) {
    await expect(deliver(event({ upn }), deps)).rejects.toMatchObject({ code: 'template_refused', status: 422, retryable: false });
  }
  expect(vendor.requests).toEqual([]);
  expect(await deps.store.get('identity-limit:entra-prod')).toBeUndefined();
  await deliver(event({ id: ids()[1]! }), deps);
  expect([...tenant.users.values()][1]!.accountEnabled).toBe(false);
});

test('enable is never counted nor refused by the cap, but a protected user is not enabled either', async () => {
  const { deps, clock } = testDeps();
  Object.assign(deps, { http: h.http, logger: h.logger });
  const on = { 'secorch.identity.risky': 'disable', 'secorch.identity.cleared': 'enable', 'secorch.identity.flapped': ['disable', 'enable'] };
  // One disruptive action an hour, and an event type with disable and enable: enable is not counted, so this fits.
  const deliver = entraDestination('entra-prod', config({ on, limit: { actions: 1, perSeconds: 3600 }, protect: [upns()[3]!] }), { sleep: h.sleep });
  const users = () => [...tenant.users.values()].map((u) => u.accountEnabled);
  await deliver(event({ id: ids()[0]! }, 'secorch.identity.risky'), deps);
  await expect(deliver(event({ id: ids()[1]! }, 'secorch.identity.risky'), deps)).rejects.toMatchObject({ code: 'identity_action_limited' });
  expect(users()).toEqual([false, true, true, true]);
  // However many, within the same window.
  for (let i = 0; i < 3; i++) await deliver(event({ id: ids()[i]! }, 'secorch.identity.cleared'), deps);
  expect(users()).toEqual([true, true, true, true]);
  const before = vendor.requests.length;
  await expect(deliver(event({ upn: upns()[3]!.toUpperCase() }, 'secorch.identity.cleared'), deps)).rejects.toMatchObject({ code: 'identity_user_protected', retryable: false });
  expect(vendor.requests.length).toBe(before);
  clock.advance(3600 * 1000);
  await deliver(event({ id: ids()[1]! }, 'secorch.identity.flapped'), deps);
  expect(vendor.requestsTo('PATCH /v1.0/users/:id').slice(-2).map((r) => r.json())).toEqual([{ accountEnabled: false }, { accountEnabled: true }]);
});
