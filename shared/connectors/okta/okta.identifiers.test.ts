import { testDeps } from '../../../test/deps';
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
