import { testDeps } from '../../../test/deps';
import { type VendorServer } from '../../../test/support/vendor-server';
import type { Config } from '../../config/schema';
import type { CloudEvent } from '../../events/cloudevent';
import { createIdentitySyncJob, identitySyncJobSchema } from '../../schedules/jobs/identity-sync';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { type FakeAuth0, fakeAuth0, stubProblems } from './auth0.testkit';
import { auth0DestinationSchema } from './config';

/**
 * Auth0 identity sync with `adminRoles`: RBAC roles (https://auth0.com/docs/api/management/v2/roles/get-roles)
 * and their users (https://auth0.com/docs/api/management/v2/roles/get-role-user) read once per
 * run; requests checked against go-auth0's Management API stubs.
 */
const ROLES = 'GET /api/v2/roles';
const ROLE_USERS = 'GET /api/v2/roles/:id/users';
let vendor: VendorServer;
let h: Harness;
let tenant: FakeAuth0;

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  tenant = fakeAuth0(150);
  // 149 holders of Support: two checkpoint pages of 100.
  tenant.roles[1]!.members = tenant.users.slice(1).map((u) => u.user_id);
  tenant.install(vendor);
});

function sync(job: Record<string, unknown>) {
  const d = Object.assign(testDeps().deps, { http: h.http, logger: h.logger, clock: h.clock });
  const destination = auth0DestinationSchema.parse({ type: 'auth0', baseUrl: vendor.url, clientId: 'm2m-1', clientSecret: 's' });
  d.config = { ...d.config, destinations: { 'auth0-prod': destination } } as unknown as Config;
  const bus = d.bus as unknown as { events: CloudEvent[] };
  const runner = createIdentitySyncJob({ sleep: h.sleep, random: () => 0.5 });
  const config = identitySyncJobSchema.parse({ type: 'identity-sync', provider: 'auth0', destination: 'auth0-prod', ...job });
  const run = () => runner.run(config, { schedule: 'auth0-users', tenant: 'default', due: 0, deadline: h.clock.now() + 60_000 }, d);
  return { bus, run };
}
const uid = (i: number) => tenant.users[i]!.user_id;
const calls = (route: string) => vendor.requestsTo(route).map((r) => `${r.path}${r.url.search}`);
/** Round 2's changes: one user's MFA enrollment gone, another granted Billing Admin. */
function change() {
  tenant.users[2]!.multifactor = [];
  tenant.roles[2]!.members.push(uid(7));
}

test('adminRoles with adminRoleNames: only the named roles count; a granted role and a lost MFA enrollment reported once each', async () => {
  const { bus, run } = sync({ adminRoles: true, adminRoleNames: ['Tenant Admin', 'Billing Admin'] });
  expect(await run()).toMatchObject({ complete: true, round: 1, events: 150 });
  expect(bus.events[0]!.data).toMatchObject({ after: { admin_roles: ['Tenant Admin'], mfa_factors: 1 } });
  expect(bus.events.slice(1).every((e) => JSON.stringify((e.data as { after: { admin_roles: unknown } }).after.admin_roles) === '[]')).toBe(true);
  expect(calls(ROLES)).toEqual(['/api/v2/roles?page=0&per_page=100&include_totals=true']);
  // Support is not an admin role here: its users are not read.
  expect(calls(ROLE_USERS)).toEqual(['/api/v2/roles/rol_4sYhBMrr2XmHbVgl/users?take=100', '/api/v2/roles/rol_Q0mXk3lT9vB2cE7d/users?take=100']);

  change();
  bus.events.length = 0;
  expect(await run()).toMatchObject({ complete: true, round: 2, events: 2 });
  expect(bus.events.map((e) => [e.type, e.subject])).toEqual([['secorch.identity.user.mfa_removed', uid(2)], ['secorch.identity.user.admin_granted', uid(7)]]);
  expect(bus.events[1]!.data).toMatchObject({ granted_roles: ['Billing Admin'], before: { admin_roles: [] }, after: { admin_roles: ['Billing Admin'] } });
  expect([calls(ROLES).length, calls(ROLE_USERS).length]).toEqual([2, 4]);

  bus.events.length = 0;
  expect(await run()).toMatchObject({ complete: true, round: 3, events: 0 });
  expect(vendor.requests.slice(1).flatMap(stubProblems)).toEqual([]);
});

test('adminRoles without names: every role counts, role users followed by checkpoint (take, from = next)', async () => {
  const { bus, run } = sync({ adminRoles: true });
  expect(await run()).toMatchObject({ complete: true, round: 1 });
  expect(calls(ROLE_USERS)).toEqual([
    '/api/v2/roles/rol_4sYhBMrr2XmHbVgl/users?take=100',
    '/api/v2/roles/rol_8aZ2kTqZpQ1xLw3N/users?take=100',
    '/api/v2/roles/rol_8aZ2kTqZpQ1xLw3N/users?take=100&from=100',
    '/api/v2/roles/rol_Q0mXk3lT9vB2cE7d/users?take=100',
  ]);
  expect(bus.events.find((e) => e.subject === uid(149))!.data).toMatchObject({ after: { admin_roles: ['Support'] } });
  change();
  bus.events.length = 0;
  await run();
  expect(bus.events.find((e) => e.subject === uid(7))!.data).toMatchObject({ granted_roles: ['Billing Admin'], after: { admin_roles: ['Billing Admin', 'Support'] } });
  expect(vendor.requests.slice(1).flatMap(stubProblems)).toEqual([]);
});

test('adminRoles off: no role is read and no admin_granted reported; MFA is read with the listing as before', async () => {
  const { bus, run } = sync({});
  expect(await run()).toMatchObject({ complete: true, round: 1, events: 150 });
  change();
  bus.events.length = 0;
  expect(await run()).toMatchObject({ complete: true, round: 2, events: 1 });
  expect(bus.events.map((e) => [e.type, e.subject])).toEqual([['secorch.identity.user.mfa_removed', uid(2)]]);
  expect([calls(ROLES).length, calls(ROLE_USERS).length]).toEqual([0, 0]);
});
