import { testDeps } from '../../../test/deps';
import { type VendorServer } from '../../../test/support/vendor-server';
import type { Config } from '../../config/schema';
import type { CloudEvent } from '../../events/cloudevent';
import { createIdentitySyncJob, identitySyncJobSchema } from '../../schedules/jobs/identity-sync';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { entraDestinationSchema } from './config';
import { type FakeTenant, fakeTenant } from './entra.testkit';

/**
 * Entra ID identity sync with `mfa` and `adminRoles`: the MFA registration report
 * (https://learn.microsoft.com/en-us/graph/api/authenticationmethodsroot-list-userregistrationdetails)
 * and the directory role assignments (https://learn.microsoft.com/en-us/graph/api/rbacapplication-list-roleassignments)
 * read once per run, against the local Graph tenant of entra.testkit.ts.
 */
const TENANT = 'contoso.onmicrosoft.com';
const REPORT = 'GET /v1.0/reports/authenticationMethods/userRegistrationDetails';
const DEFINITIONS = 'GET /v1.0/roleManagement/directory/roleDefinitions';
const ASSIGNMENTS = 'GET /v1.0/roleManagement/directory/roleAssignments';
let vendor: VendorServer;
let h: Harness;
let tenant: FakeTenant;

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  tenant = fakeTenant(5);
  tenant.install(vendor, TENANT);
});

const ids = () => [...tenant.users.keys()];
function sync(job: Record<string, unknown>) {
  const d = Object.assign(testDeps().deps, { http: h.http, logger: h.logger, clock: h.clock });
  const destination = entraDestinationSchema.parse({ type: 'entra', tenantId: TENANT, clientId: 'app-1', clientSecret: 's', graphUrl: vendor.url, loginUrl: vendor.url });
  d.config = { ...d.config, destinations: { 'entra-prod': destination } } as unknown as Config;
  const bus = d.bus as unknown as { events: CloudEvent[] };
  const runner = createIdentitySyncJob({ sleep: h.sleep, random: () => 0.5 });
  const config = identitySyncJobSchema.parse({ type: 'identity-sync', provider: 'entra', destination: 'entra-prod', pageSize: 2, ...job });
  const run = () => runner.run(config, { schedule: 'entra-users', tenant: 'default', due: 0, deadline: h.clock.now() + 60_000 }, d);
  return { bus, run };
}
const searches = (route: string) => vendor.requestsTo(route).map((r) => r.url.search);
/** Round 2's changes: one user's MFA registration gone, another granted a role (and renamed, so in the delta too). */
function change() {
  tenant.registration.set(ids()[1]!, { isMfaRegistered: false, methodsRegistered: [] });
  tenant.roleAssignments.push({ id: 'y0WzGZQmsku9W2CRs4CXfe-1', principalId: ids()[3]!, roleDefinitionId: tenant.roleDefinitions[1]!.id });
  tenant.changes.push({ id: ids()[3]!, displayName: 'Renamed' });
}

test('mfa and adminRoles: read once per run, paged by nextLink; a lost registration and a granted role reported once each', async () => {
  const { bus, run } = sync({ mfa: true, adminRoles: true });
  expect(await run()).toMatchObject({ complete: true, round: 1, events: 5 });
  expect(bus.events.map((e) => (e.data as { after: unknown }).after)).toEqual([
    { status: 'enabled', active: true, mfa_factors: 2, admin_roles: ['Global Administrator'] },
    ...ids().slice(1).map(() => ({ status: 'enabled', active: true, mfa_factors: 2, admin_roles: [] })),
  ]);
  expect(searches(REPORT)).toEqual(['', '?%24skiptoken=2', '?%24skiptoken=4']);
  expect(searches(DEFINITIONS)).toEqual(['?%24select=id%2CdisplayName', '?%24select=id%2CdisplayName&%24skiptoken=2']);
  expect(searches(ASSIGNMENTS)).toEqual(['?%24select=principalId%2CroleDefinitionId']);
  expect(vendor.requests.filter((r) => r.path !== `/${TENANT}/oauth2/v2.0/token`).every((r) => r.headers.authorization === 'Bearer graph-access-1')).toBe(true);

  change();
  bus.events.length = 0;
  expect(await run()).toMatchObject({ complete: true, round: 2, events: 2 });
  expect(bus.events.map((e) => [e.type, e.subject])).toEqual([
    ['secorch.identity.user.admin_granted', ids()[3]],
    ['secorch.identity.user.mfa_removed', ids()[1]],
  ]);
  expect(bus.events[0]!.data).toMatchObject({ granted_roles: ['Security Administrator'], before: { admin_roles: [] }, after: { admin_roles: ['Security Administrator'] }, user: { name: 'Renamed' } });
  expect(bus.events[1]!.data).toMatchObject({ before: { mfa_factors: 2 }, after: { mfa_factors: 0 } });
  expect([searches(REPORT).filter((s) => s === '').length, searches(ASSIGNMENTS).length]).toEqual([2, 2]);

  // A round with nothing new reports nothing; a disabled user, absent from the report, keeps its count.
  tenant.users.get(ids()[2]!)!.accountEnabled = false;
  tenant.changes.push({ id: ids()[2]!, accountEnabled: false });
  bus.events.length = 0;
  expect(await run()).toMatchObject({ complete: true, round: 3 });
  expect(bus.events.map((e) => [e.type, e.subject])).toEqual([['secorch.identity.user.deactivated', ids()[2]]]);
  expect(bus.events[0]!.data).toMatchObject({ after: { active: false, mfa_factors: 2 } });
});

test('flags off: neither the report nor the role assignments are read, and no mfa or admin event is reported', async () => {
  const { bus, run } = sync({});
  expect(await run()).toMatchObject({ complete: true, round: 1, events: 5 });
  change();
  bus.events.length = 0;
  expect(await run()).toMatchObject({ complete: true, round: 2, events: 0 });
  expect([REPORT, DEFINITIONS, ASSIGNMENTS].map((r) => vendor.requestsTo(r).length)).toEqual([0, 0, 0]);
});
