import { testDeps } from '../../../test/deps';
import { loadSpec } from '../../../test/support/openapi';
import type { CloudEvent } from '../../events/cloudevent';
import { oktaDestinationSchema } from './config';
import { oktaDestination } from './destination';
import { localOktaOrg } from './local-org.testkit';

/**
 * How the Okta destination treats the user an event names, against the Management API's rules
 * (okta.testkit.ts): `/api/v1/users/{id}` and its lifecycle take "an ID, login, or login shortname
 * (as long as the shortname is unambiguous)" and `me` (the caller), while
 * `/api/v1/users/{userId}/sessions` takes an "ID of an existing Okta user" only; suspend needs an
 * ACTIVE user and answers 400 E0000001 otherwise
 * (https://developer.okta.com/docs/api/openapi/okta-management/management/tag/UserLifecycle/#tag/UserLifecycle/operation/suspendUser,
 * https://developer.okta.com/docs/reference/error-codes/#E0000001).
 */
const local = localOktaOrg(4);

const on = { 'secorch.identity.compromised': ['suspend', 'clear_sessions'], 'secorch.identity.cleared': 'unsuspend' };
function destination(extra: Record<string, unknown> = {}) {
  const config = oktaDestinationSchema.parse({ type: 'okta', baseUrl: local.vendor.url, apiToken: 'okta-token-1', on, user: '{{ data.user.name }}', ...extra });
  const deps = Object.assign(testDeps().deps, { http: local.h.http, logger: local.h.logger });
  const deliver = oktaDestination('okta-prod', config, { sleep: local.h.sleep, random: () => 0.5 });
  return (name: string, type = 'secorch.identity.compromised') =>
    deliver({ specversion: '1.0', id: 'e1', source: '//test', type, origin: 'webhook:siem', data: { user: { name } } } as CloudEvent, deps);
}
const outcomes = () => local.h.logs.filter((l) => l.msg === 'identity action').map((l) => [l.fields.action, l.fields.outcome]);

test('suspending a DEPROVISIONED user is unchanged, not a failure: it cannot sign in either; unsuspending it still fails', async () => {
  local.org.users[1]!.status = 'DEPROVISIONED';
  await destination()(local.org.users[1]!.id);
  expect(local.org.users[1]!.status).toBe('DEPROVISIONED');
  expect(outcomes()).toEqual([['suspend', 'unchanged'], ['clear_sessions', 'done']]);
  await expect(destination()(local.org.users[1]!.id, 'secorch.identity.cleared')).rejects.toMatchObject({ code: 'connector_rejected', retryable: false });
});

test('a user named by login: suspended, and its sessions cleared by id (the sessions endpoint takes no login)', async () => {
  const u = local.org.users[2]!;
  await destination()('User2@Example.com');
  expect(u.status).toBe('SUSPENDED');
  expect(outcomes()).toEqual([['suspend', 'done'], ['clear_sessions', 'done']]);
  expect(local.vendor.requestsTo('DELETE /api/v1/users/:id/sessions').map((r) => r.params.id)).toEqual([u.id]);
  // An id is used as it is: no lookup.
  local.vendor.requests.length = 0;
  await destination({ on: { 'secorch.identity.compromised': 'clear_sessions' } })(u.id);
  expect(local.vendor.requests.map((r) => `${r.method} ${r.path}`)).toEqual([`DELETE /api/v1/users/${u.id}/sessions`]);
});

test('a protected login protects its login shortname, which Okta resolves to the same user; `me` (the token\'s own user) is never acted on', async () => {
  const deliver = destination({ protect: ['User1@Example.com'] });
  await expect(deliver('user1')).rejects.toMatchObject({ code: 'identity_user_protected', retryable: false });
  await expect(deliver('ME')).rejects.toMatchObject({ code: 'identity_user_protected' });
  await expect(destination()('me')).rejects.toMatchObject({ code: 'identity_user_protected' });
  expect(local.vendor.requests).toEqual([]);
  expect(local.org.users.map((u) => u.status)).toEqual(['ACTIVE', 'ACTIVE', 'ACTIVE', 'ACTIVE']);
  // Other users are acted on as before.
  await deliver('user2@example.com');
  expect(local.org.users[2]!.status).toBe('SUSPENDED');
});

test('a protected Okta id protects its user whatever login the event names, wherever the id is looked up: clear_sessions, and a login holding `/`', async () => {
  const u = local.org.users[2]!;
  const deliver = destination({ protect: [u.id.toUpperCase()], on: { 'secorch.identity.compromised': 'clear_sessions', 'secorch.identity.cleared': 'unsuspend' } });
  // The sessions endpoint takes an id, so the login is looked up: the id it finds is in protect.
  for (const name of ['User2@Example.com', 'user2']) {
    await expect(deliver(name)).rejects.toMatchObject({ code: 'identity_user_protected', retryable: false, message: expect.stringContaining(u.id) });
  }
  expect(local.vendor.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/users/User2%40Example.com', 'GET /api/v1/users/user2']);
  expect(local.h.logs.filter((l) => l.msg === 'identity action refused: user is protected').map((l) => [l.level, l.fields.user, l.fields.oktaId, l.fields.actions]))
    .toEqual([['warn', 'User2@Example.com', u.id, ['clear_sessions']], ['warn', 'user2', u.id, ['clear_sessions']]]);
  // A login holding `/` is searched for by every action: the id found is checked before the step.
  u.profile!.login = 'ops/oncall@example.com';
  u.status = 'SUSPENDED';
  local.vendor.requests.length = 0;
  await expect(deliver('ops/oncall@example.com', 'secorch.identity.cleared')).rejects.toMatchObject({ code: 'identity_user_protected' });
  expect(local.vendor.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/users']);
  expect(u.status).toBe('SUSPENDED');
  // Other users are acted on as before.
  await deliver('user1@example.com');
  expect(local.vendor.requestsTo('DELETE /api/v1/users/:id/sessions').map((r) => r.params.id)).toEqual([local.org.users[1]!.id]);
});

test('a protected login protects the forms Okta takes for the same login: other case and diacritical marks, its shortname so written', async () => {
  const u = local.org.users[3]!;
  u.profile!.login = 'Isaac.Brock@example.com';
  const deliver = destination({ protect: ['isaac.brock@example.com'] });
  // Okta finds `Isaac.Brock@example.com` by each of these (logins differing only in case or
  // diacritical marks are one login), so the guard must refuse each before any request.
  for (const name of ['isáàc.bröck@example.com', 'ISAAC.BRÖCK@EXAMPLE.COM', 'ísaac.brock']) {
    await expect(deliver(name)).rejects.toMatchObject({ code: 'identity_user_protected', retryable: false });
  }
  expect(local.vendor.requests).toEqual([]);
  expect(u.status).toBe('ACTIVE');
});

test('a login holding `/` is found by search, once per event, and acted on by id; `%2F` never reaches a path, so a protected id with a slash finds nobody', async () => {
  const u = local.org.users[2]!;
  u.profile!.login = 'ops/oncall@example.com';
  await destination()('OPS/OnCall@example.com');
  expect(u.status).toBe('SUSPENDED');
  expect(outcomes()).toEqual([['suspend', 'done'], ['clear_sessions', 'done']]);
  expect(local.vendor.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
    'GET /api/v1/users', `POST /api/v1/users/${u.id}/lifecycle/suspend`, `DELETE /api/v1/users/${u.id}/sessions`,
  ]);
  expect(local.vendor.requests[0]!.query.get('search')).toBe('profile.login eq "OPS/OnCall@example.com"');
  const spec = loadSpec(`${__dirname}/../../../../shared/fixtures/openapi/okta-management-minimal.yaml`);
  expect(local.vendor.requests.flatMap((r) => spec.requestProblems({ method: r.method, url: r.url.href, headers: r.headers as Record<string, string> }))).toEqual([]);
  // Redelivered, and later undone: the same lookup, then unchanged / done.
  await destination()('ops/oncall@example.com');
  await destination()('ops/oncall@example.com', 'secorch.identity.cleared');
  expect(outcomes().slice(2)).toEqual([['suspend', 'unchanged'], ['clear_sessions', 'done'], ['unsuspend', 'done']]);
  expect(u.status).toBe('ACTIVE');
  // A protected user's id with a trailing slash is no login: refused as unknown, nothing acted on.
  const protectedId = local.org.users[1]!.id;
  local.vendor.requests.length = 0;
  await expect(destination({ protect: [protectedId] })(`${protectedId}/`)).rejects.toMatchObject({ code: 'connector_not_found', retryable: false });
  expect(local.vendor.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/users']);
  expect(local.org.users[1]!.status).toBe('ACTIVE');
});

test('a transition from a state it cannot leave is a final error naming the status', async () => {
  local.org.users[1]!.status = 'DEPROVISIONED';
  const failed = destination()(local.org.users[1]!.id, 'secorch.identity.cleared');
  await expect(failed).rejects.toMatchObject({ code: 'connector_rejected', retryable: false, extra: { vendorStatus: 400, userStatus: 'DEPROVISIONED' } });
  await expect(failed).rejects.toThrow(/cannot unsuspend user 00u\d+: its Okta status is DEPROVISIONED \(unsuspend needs SUSPENDED\); E0000001/);
});

test('a protected Okta id protects its user from suspend and unsuspend by plain login or shortname: the login is looked up and the step goes by the id found', async () => {
  const [u, other] = [local.org.users[2]!, local.org.users[1]!];
  const deliver = destination({ protect: [u.id], on: { 'secorch.identity.compromised': 'suspend', 'secorch.identity.cleared': 'unsuspend' } });
  await expect(deliver('User2@Example.com')).rejects.toMatchObject({ code: 'identity_user_protected', retryable: false, message: expect.stringContaining(u.id) });
  u.status = 'SUSPENDED';
  await expect(deliver('user2', 'secorch.identity.cleared')).rejects.toMatchObject({ code: 'identity_user_protected' });
  expect(local.vendor.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/users/User2%40Example.com', 'GET /api/v1/users/user2']);
  expect(u.status).toBe('SUSPENDED');
  // Anyone else: one lookup, then the step by the id found.
  local.vendor.requests.length = 0;
  await deliver('user1@example.com');
  expect(local.vendor.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['GET /api/v1/users/user1%40example.com', `POST /api/v1/users/${other.id}/lifecycle/suspend`]);
  expect(other.status).toBe('SUSPENDED');
});

test('without an Okta id in protect, suspend by login makes no lookup', async () => {
  const deliver = destination({ protect: ['someone@example.com'], on: { 'secorch.identity.compromised': 'suspend' } });
  await deliver('user1@example.com');
  expect(local.vendor.requests.map((r) => `${r.method} ${r.path}`)).toEqual(['POST /api/v1/users/user1%40example.com/lifecycle/suspend']);
  expect(local.org.users[1]!.status).toBe('SUSPENDED');
});
