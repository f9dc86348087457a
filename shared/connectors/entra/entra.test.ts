import { testDeps } from '../../../test/deps';
import { reply, type VendorServer } from '../../../test/support/vendor-server';
import type { Config } from '../../config/schema';
import type { CloudEvent } from '../../events/cloudevent';
import { createIdentitySyncJob, identitySyncJobSchema } from '../../schedules/jobs/identity-sync';
import { eachTestVendor, type Harness } from '../transport.testkit';
import { entraDestinationSchema } from './config';
import { entraDestination } from './destination';
import { type FakeTenant, fakeTenant, graphError } from './entra.testkit';

/**
 * Entra ID through Microsoft Graph against a local server in Graph's documented shapes
 * (entra.testkit.ts): https://learn.microsoft.com/graph/api/user-update,
 * https://learn.microsoft.com/graph/api/user-revokesigninsessions,
 * https://learn.microsoft.com/graph/api/user-delta, https://learn.microsoft.com/graph/errors.
 */
const TENANT = 'contoso.onmicrosoft.com';
const SECRET = 'graph-client-secret-1';
let vendor: VendorServer;
let h: Harness;
let tenant: FakeTenant;

eachTestVendor((kit) => {
  ({ vendor, h } = kit);
  tenant = fakeTenant(5);
  tenant.install(vendor, TENANT);
});

const config = (extra: Record<string, unknown> = {}) => entraDestinationSchema.parse({
  type: 'entra', tenantId: TENANT, clientId: 'app-1', clientSecret: SECRET, graphUrl: vendor.url, loginUrl: vendor.url,
  on: { 'secorch.identity.compromised': ['disable', 'revoke_sessions'] }, ...extra,
});
const ids = () => [...tenant.users.keys()];

function deps() {
  const d = testDeps().deps;
  return Object.assign(d, { http: h.http, logger: h.logger, clock: h.clock });
}
const event = (e: Partial<CloudEvent> = {}): CloudEvent => ({ specversion: '1.0', id: 'e1', source: '//test', type: 'secorch.identity.compromised', origin: 'schedule:watch', data: { user: { uid: ids()[0] } }, ...e });

test('disable and revoke: documented requests, one token for both, defaults for the public cloud', async () => {
  await entraDestination('entra-prod', config(), { sleep: h.sleep })(event(), deps());
  const [token, patch, revoke] = vendor.requests;
  expect(token!.json()).toEqual({ grant_type: 'client_credentials', scope: `${vendor.url}/.default`, client_id: 'app-1', client_secret: SECRET });
  expect([patch!.method, patch!.path, patch!.headers['content-type'], patch!.json()]).toEqual(['PATCH', `/v1.0/users/${ids()[0]}`, 'application/json', { accountEnabled: false }]);
  expect([revoke!.method, revoke!.path, revoke!.body]).toEqual(['POST', `/v1.0/users/${ids()[0]}/revokeSignInSessions`, '']);
  expect([patch, revoke].every((r) => r!.headers.authorization === 'Bearer graph-access-1')).toBe(true);
  expect(tenant.users.get(ids()[0]!)!.accountEnabled).toBe(false);
  const defaults = entraDestinationSchema.parse({ type: 'entra', tenantId: TENANT, clientId: 'a', clientSecret: 's' });
  expect([defaults.graphUrl, defaults.loginUrl, defaults.on, defaults.user]).toEqual(['https://graph.microsoft.com', 'https://login.microsoftonline.com', {}, '{{ data.user.uid }}']);
});

test('enable, the reversal of disable: PATCH accountEnabled true, answered 204; repeating it is harmless', async () => {
  const deliver = entraDestination('entra-prod', config({ on: { 'secorch.identity.compromised': 'disable', 'secorch.identity.cleared': 'enable' } }), { sleep: h.sleep });
  const user = tenant.users.get(ids()[1]!)!;
  await deliver(event({ data: { user: { uid: user.id } } }), deps());
  expect(user.accountEnabled).toBe(false);
  for (const id of ['e2', 'e3']) await deliver(event({ id, type: 'secorch.identity.cleared', data: { user: { uid: user.id } } }), deps());
  expect(user.accountEnabled).toBe(true);
  const patches = vendor.requestsTo('PATCH /v1.0/users/:id');
  expect(patches.map((r) => [r.path, r.headers['content-type'], r.json()])).toEqual([
    [`/v1.0/users/${user.id}`, 'application/json', { accountEnabled: false }],
    [`/v1.0/users/${user.id}`, 'application/json', { accountEnabled: true }],
    [`/v1.0/users/${user.id}`, 'application/json', { accountEnabled: true }],
  ]);
  expect(h.logs.filter((l) => l.msg === 'identity action').map((l) => [l.fields.action, l.fields.outcome])).toEqual([['disable', 'done'], ['enable', 'done'], ['enable', 'done']]);
  // A user Graph does not know is refused for good, as for disable.
  await expect(deliver(event({ id: 'e4', type: 'secorch.identity.cleared', data: { user: { uid: 'nobody@contoso.com' } } }), deps()))
    .rejects.toMatchObject({ code: 'connector_not_found', retryable: false });
});

test('429 Retry-After waited out; a refused token renewed once; 403 names the permission; a bad secret stays out of errors', async () => {
  vendor.queue('PATCH /v1.0/users/:id', reply.tooManyRequests('2'));
  vendor.queue('POST /v1.0/users/:id/revokeSignInSessions', graphError(401, 'InvalidAuthenticationToken', 'Access token has expired or is not yet valid.'));
  await entraDestination('entra-prod', config(), { sleep: h.sleep })(event(), deps());
  expect(h.waits).toEqual([2000]);
  expect(tenant.tokens).toBe(2);
  vendor.queue('PATCH /v1.0/users/:id', graphError(403, 'Authorization_RequestDenied', 'Insufficient privileges to complete the operation.'));
  await expect(entraDestination('entra-prod', config(), { sleep: h.sleep })(event(), deps()))
    .rejects.toMatchObject({ code: 'connector_forbidden', extra: { vendorMessage: 'Authorization_RequestDenied: Insufficient privileges to complete the operation.' } });
  vendor.on(`POST /${TENANT}/oauth2/v2.0/token`, reply.json({ error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided (${SECRET}).` }, 401));
  const failed = entraDestination('entra-prod', config(), { sleep: h.sleep })(event(), deps());
  await expect(failed).rejects.toMatchObject({ code: 'connector_auth_failed' });
  await expect(failed).rejects.not.toMatchObject({ message: expect.stringContaining(SECRET) });
});

test('identity sync by delta query: full first round, then only changes; an interrupted round resumes from its nextLink; an expired token restarts', async () => {
  const d = deps();
  d.config = { ...d.config, destinations: { 'entra-prod': config() } } as unknown as Config;
  const bus = d.bus as unknown as { events: CloudEvent[] };
  const job = createIdentitySyncJob({ sleep: h.sleep, random: () => 0.5 });
  const run = () => job.run(identitySyncJobSchema.parse({ type: 'identity-sync', provider: 'entra', destination: 'entra-prod', pageSize: 2 }), { schedule: 'entra-users', tenant: 'default', due: 0, deadline: h.clock.now() + 60_000 }, d);
  expect(await run()).toMatchObject({ complete: true, round: 1, pages: 3, events: 5 });
  expect(vendor.requestsTo('GET /v1.0/users/delta')[0]!.url.search).toBe('?%24select=id%2CdisplayName%2Cmail%2CuserPrincipalName%2CaccountEnabled');

  tenant.changes.push({ id: ids()[1]!, accountEnabled: false }, { id: ids()[2]!, '@removed': { reason: 'changed' } }, { id: ids()[3]!, displayName: 'Renamed' }, { id: ids()[4]!, accountEnabled: false });
  // The second page of the round fails on every attempt; the next run asks for that page again.
  let calls = 0;
  vendor.on('GET /v1.0/users/delta', (req) => (req.query.has('$skiptoken') && calls++ < 4 ? reply.serverError(503) : tenant.delta(req)));
  await expect(run()).rejects.toMatchObject({ code: 'connector_unavailable' });
  expect(await run()).toMatchObject({ complete: true, round: 2 });
  const changes = bus.events.slice(5);
  expect(changes.map((e) => [e.type, e.subject])).toEqual([['secorch.identity.user.deactivated', ids()[1]], ['secorch.identity.user.deactivated', ids()[2]], ['secorch.identity.user.deactivated', ids()[4]]]);
  expect(changes[1]!.data).toMatchObject({ provider: 'entra', before: { status: 'enabled' }, after: { status: 'DELETED', active: false }, user: { email_addr: 'user2@contoso.com' } });

  // The stored delta link expired (400 syncStateNotFound, as Graph answers for users): a new full round, which reports nothing new.
  tenant.changes.length = 0;
  expect(await run()).toMatchObject({ complete: true, round: 3, events: 0 });
  expect(h.logs.some((l) => l.msg === 'entra delta token expired; starting a full round')).toBe(true);
});
