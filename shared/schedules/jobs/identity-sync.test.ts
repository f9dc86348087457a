import { testDeps } from '../../../test/deps';
import { reply, startVendorServer, type VendorServer } from '../../../test/support/vendor-server';
import type { Config } from '../../config/schema';
import type { CloudEvent } from '../../events/cloudevent';
import { guardedHttp } from '../../http/egress';
import { oktaDestinationSchema } from '../../connectors/okta/config';
import { type FakeOrg, fakeOrg } from '../../connectors/okta/okta.testkit';
import { createIdentitySyncJob, identitySyncJobSchema } from './identity-sync';
import { identitySyncProblems } from './identity-sync-config';

/**
 * The test: identity sync over 10,000 Okta users in pages of 200, served with Link paging
 * by a local server speaking the Management API, interrupted once per round, emits each change
 * once (counted by event id).
 */
const START = Date.parse('2030-01-01T00:00:00Z');
let vendor: VendorServer;
let http: ReturnType<typeof guardedHttp>;

beforeEach(async () => {
  vendor = await startVendorServer();
  http = guardedHttp({ allowPrivate: ['127.0.0.0/8'] });
});
afterEach(async () => {
  await http.close?.();
  await vendor.close();
});

function setup(org: FakeOrg, job: Record<string, unknown> = {}) {
  org.install(vendor);
  const { deps, clock, bus } = testDeps({}, {}, START);
  deps.http = http;
  const destination = oktaDestinationSchema.parse({ type: 'okta', baseUrl: vendor.url, apiToken: 'okta-token-1' });
  deps.config = { ...deps.config, destinations: { 'okta-prod': destination } } as unknown as Config;
  const sync = createIdentitySyncJob({ sleep: async (ms) => clock.advance(ms), random: () => 0.5 });
  const config = identitySyncJobSchema.parse({ type: 'identity-sync', provider: 'okta', destination: 'okta-prod', ...job });
  const run = (deadline = clock.now() + 600_000) => sync.run(config, { schedule: 'okta-users', tenant: 'default', due: clock.now(), deadline }, deps);
  return { deps, clock, bus, run };
}

const byType = (events: CloudEvent[]) => events.reduce<Record<string, number>>((n, e) => ({ ...n, [e.type]: (n[e.type] ?? 0) + 1 }), {});
const distinct = (events: CloudEvent[]) => new Set(events.map((e) => e.id)).size;

test('10,000 users in pages of 200 (status only): a failed first run resumes; a deadline-cut second run resumes; each change once', async () => {
  const org = fakeOrg(10_000);
  const { clock, bus, run } = setup(org);

  // Round 1: the 21st page fails on every attempt (503), so the first run stops after 20 pages.
  const failAfter = org.users[20 * 200 - 1]!.id;
  let failures = 0;
  vendor.on('GET /api/v1/users', (req) => (req.query.get('after') === failAfter && failures++ < 4 ? reply.unavailable() : org.list(req)));
  await expect(run()).rejects.toMatchObject({ code: 'connector_unavailable' });
  expect(bus.events).toHaveLength(4_000);
  expect(await run()).toMatchObject({ complete: true, round: 1, pages: 30 });
  const listings = vendor.requestsTo('GET /api/v1/users');
  // 20 pages, 4 failed attempts, then the run resumed at the failed page instead of page 1.
  expect(listings).toHaveLength(54);
  expect(listings[24]!.query.get('after')).toBe(failAfter);
  expect(bus.events).toHaveLength(10_000);
  expect(distinct(bus.events)).toBe(10_000);
  expect(byType(bus.events)).toEqual({ 'secorch.identity.user.created': 10_000 });

  // Changes: 25 suspended, 25 deprovisioned (gone from the listing: looked up by id at the sweep).
  org.users.slice(100, 125).forEach((u) => (u.status = 'SUSPENDED'));
  org.users.slice(5_000, 5_025).forEach((u) => (u.status = 'DEPROVISIONED'));
  bus.events.length = 0;

  // Round 2: the deadline passes while page 10 is served; the next run picks up from there.
  const deadline = clock.now() + 60_000;
  let served = 0;
  vendor.on('GET /api/v1/users', (req) => (++served === 10 && clock.advance(120_000), org.list(req)));
  expect(await run(deadline)).toMatchObject({ complete: false, pages: 10 });
  expect(await run()).toMatchObject({ complete: true, round: 2 });
  expect(byType(bus.events)).toEqual({ 'secorch.identity.user.deactivated': 50 });
  expect(distinct(bus.events)).toBe(50);
  const gone = bus.events.find((e) => e.subject === org.users[5_000]!.id)!;
  expect(gone.data).toMatchObject({ provider: 'okta', change: 'deactivated', before: { status: 'ACTIVE' }, after: { status: 'DEPROVISIONED', active: false }, user: { email_addr: 'user5000@example.com' } });

  // Round 3 with nothing changed: nothing to report.
  bus.events.length = 0;
  vendor.on('GET /api/v1/users', org.list);
  expect(await run()).toMatchObject({ complete: true, round: 3, events: 0 });
});

test('MFA and admin roles (1,000 users, one factor call per active user): a crash between publishing and saving repeats events with the same ids', async () => {
  const org = fakeOrg(1_000);
  org.roles.set(org.users[0]!.id, ['SUPER_ADMIN']);
  const { deps, bus, run } = setup(org, { mfa: true, adminRoles: true });
  expect(await run()).toMatchObject({ complete: true, round: 1, events: 1_000 });
  expect(bus.events[0]!.data).toMatchObject({ after: { mfa_factors: 1, admin_roles: ['SUPER_ADMIN'] } });

  org.users.slice(900, 920).forEach((u) => org.factors.set(u.id, 0));
  org.roles.set(org.users[7]!.id, ['ORG_ADMIN', 'USER_ADMIN']);
  org.roles.set(org.users[0]!.id, ['READ_ONLY_ADMIN', 'SUPER_ADMIN']);
  bus.events.length = 0;
  // The store refuses the snapshot write of page 5 once: its events are out, its records are not.
  // Each page of 200 records is written in 9 batches (24 records and the position in each).
  const putAll = deps.store.putAll.bind(deps.store);
  let writes = 0;
  deps.store.putAll = (w) => (++writes === 4 * 9 + 1 ? Promise.resolve(false) : putAll(w));
  await expect(run()).rejects.toMatchObject({ code: 'identity_sync_store_failed' });
  expect(await run()).toMatchObject({ complete: true, round: 2 });
  // Page 5 (users 800-999) was published twice: 20 repeated events, each with its earlier id.
  expect(bus.events).toHaveLength(42);
  const once = [...new Map(bus.events.map((e) => [e.id, e])).values()];
  expect(byType(once)).toEqual({ 'secorch.identity.user.mfa_removed': 20, 'secorch.identity.user.admin_granted': 2 });
  expect(bus.events.find((e) => e.subject === org.users[0]!.id)!.data).toMatchObject({ granted_roles: ['READ_ONLY_ADMIN'], before: { admin_roles: ['SUPER_ADMIN'] } });
  expect(bus.events.find((e) => e.subject === org.users[900]!.id)!.data).toMatchObject({ before: { mfa_factors: 1 }, after: { mfa_factors: 0 } });
});

test('problems: the named destination must exist and be of the provider; adminRoleNames is an Auth0 setting that needs adminRoles', () => {
  const config = { destinations: { files: { type: 'file', path: 'x' }, okta: { type: 'okta' }, auth0: { type: 'auth0' } } } as unknown as Config;
  const parse = (o: Record<string, unknown>) => identitySyncJobSchema.parse({ type: 'identity-sync', provider: 'okta', destination: 'okta', ...o });
  expect(identitySyncProblems(parse({}), 'schedules.s.job', config)).toEqual([]);
  expect(identitySyncProblems(parse({ destination: 'nope' }), 'schedules.s.job', config)).toEqual(['schedules.s.job.destination: unknown destination "nope"']);
  expect(identitySyncProblems(parse({ provider: 'entra', mfa: true, adminRoles: true }), 'schedules.s.job', config)).toEqual([
    'schedules.s.job.destination: "okta" is an okta destination, not entra',
  ]);
  expect(identitySyncProblems(parse({ adminRoles: true, adminRoleNames: ['admin'] }), 'schedules.s.job', config)).toEqual([
    'schedules.s.job.adminRoleNames: an Auth0 setting (okta counts every admin role)',
  ]);
  expect(identitySyncProblems(parse({ provider: 'auth0', destination: 'auth0', adminRoleNames: ['admin'] }), 'schedules.s.job', config)).toEqual([
    'schedules.s.job.adminRoleNames: set adminRoles: true too, or roles are not read',
  ]);
  expect(identitySyncProblems(parse({ provider: 'auth0', destination: 'auth0', adminRoles: true, adminRoleNames: ['admin'] }), 'schedules.s.job', config)).toEqual([]);
  expect(identitySyncJobSchema.safeParse({ type: 'identity-sync', provider: 'auth0', destination: 'auth0', adminRoleNames: [] }).success).toBe(false);
});

test('problems: an okta oauth connection must request the scopes the sync reads with (an API token has its admin\'s rights)', () => {
  const oauth = (scopes: string[]) => ({ type: 'okta', oauth: { clientId: 'c', privateKey: 'k', scopes, dpop: true } });
  const config = { destinations: { token: { type: 'okta', apiToken: 't' }, actions: oauth(['okta.users.manage', 'okta.users.read']), manage: oauth(['okta.users.manage']) } } as unknown as Config;
  const parse = (o: Record<string, unknown>) => identitySyncJobSchema.parse({ type: 'identity-sync', provider: 'okta', ...o });
  expect(identitySyncProblems(parse({ destination: 'token', adminRoles: true }), 'schedules.s.job', config)).toEqual([]);
  expect(identitySyncProblems(parse({ destination: 'actions' }), 'schedules.s.job', config)).toEqual([]);
  expect(identitySyncProblems(parse({ destination: 'actions', adminRoles: true }), 'schedules.s.job', config)).toEqual([
    'schedules.s.job.destination: the oauth.scopes of "actions" lack okta.roles.read, which this sync needs',
  ]);
  expect(identitySyncProblems(parse({ destination: 'manage', adminRoles: true }), 'schedules.s.job', config)).toEqual([
    'schedules.s.job.destination: the oauth.scopes of "manage" lack okta.users.read and okta.roles.read, which this sync needs',
  ]);
});

test('the snapshot records which directory it is of (provider and org), so a schedule moved to another org starts a new one', async () => {
  const org = fakeOrg(3);
  const { deps, run } = setup(org);
  expect(await run()).toMatchObject({ complete: true, round: 1 });
  const state = JSON.parse((await deps.store.get('idsync:default:okta-users:state'))!.value) as { directory?: string };
  expect(state.directory).toBe(`okta ${new URL(vendor.url).origin}`);
});
