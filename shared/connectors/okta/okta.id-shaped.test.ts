import { testDeps } from '../../../test/deps';
import type { CloudEvent } from '../../events/cloudevent';
import { oktaDestinationSchema } from './config';
import { oktaDestination } from './destination';
import { localOktaOrg } from './local-org.testkit';

/**
 * Values shaped like an Okta id (`00u` and 17 letters or digits) that are not the id of the user
 * they reach, against a local org (okta.testkit.ts: `/api/v1/users/{id}` and its lifecycle take
 * an id, else a login, else an unambiguous shortname, as Okta's Management API description says).
 * Logins need not be emails: the login pattern `.+` takes "any non-empty, unique value" (the
 * `login` property, "Login pattern validation"), and an email login's shortname is any local part.
 * So such a value can name a protected id's user, and with ids in `protect` it is looked up too.
 */
const local = localOktaOrg(4);
const LOOKS_LIKE_AN_ID = '00uLoginNotAnId12345';

function destination(protect: string[], on: Record<string, string | string[]> = { 'secorch.identity.compromised': ['suspend', 'clear_sessions'] }) {
  const config = oktaDestinationSchema.parse({ type: 'okta', baseUrl: local.vendor.url, apiToken: 'okta-token-1', on, user: '{{ data.user.name }}', protect });
  const deps = Object.assign(testDeps().deps, { http: local.h.http, logger: local.h.logger });
  const deliver = oktaDestination('okta-prod', config, { sleep: local.h.sleep, random: () => 0.5 });
  return (name: string) =>
    deliver({ specversion: '1.0', id: 'e1', source: '//test', type: 'secorch.identity.compromised', origin: 'webhook:siem', data: { user: { name } } } as CloudEvent, deps);
}
const sent = () => local.vendor.requests.map((r) => `${r.method} ${r.path}`);

test.each([
  ['a login shaped like an id (login pattern .+)', LOOKS_LIKE_AN_ID],
  ['an email login whose shortname is shaped like an id', `${LOOKS_LIKE_AN_ID}@example.com`],
])('a protected id\'s user with %s is not reached by that value: it is looked up and refused', async (_, login) => {
  const u = local.org.users[2]!;
  u.profile!.login = login;
  expect(LOOKS_LIKE_AN_ID).toMatch(/^00u[0-9A-Za-z]{17}$/);
  for (const on of ['suspend', 'clear_sessions']) {
    local.vendor.requests.length = 0;
    await expect(destination([u.id], { 'secorch.identity.compromised': on })(LOOKS_LIKE_AN_ID))
      .rejects.toMatchObject({ code: 'identity_user_protected', retryable: false, message: expect.stringContaining(u.id) });
    expect(sent()).toEqual([`GET /api/v1/users/${LOOKS_LIKE_AN_ID}`]);
  }
  expect(u.status).toBe('ACTIVE');
});

test('with ids in protect, a user named by id is looked up too, and acted on by the id Okta answers', async () => {
  const u = local.org.users[1]!;
  await destination([local.org.users[0]!.id])(u.id);
  expect(u.status).toBe('SUSPENDED');
  expect(sent()).toEqual([`GET /api/v1/users/${u.id}`, `POST /api/v1/users/${u.id}/lifecycle/suspend`, `DELETE /api/v1/users/${u.id}/sessions`]);
});

test('the user a lookup finds is compared by login too: a protected login is not reached through its id', async () => {
  const u = local.org.users[2]!;
  // An id in protect brings the lookup; the login entry then matches the user found by id.
  await expect(destination([local.org.users[0]!.id, 'User2@Example.com'])(u.id)).rejects.toMatchObject({ code: 'identity_user_protected' });
  expect(sent()).toEqual([`GET /api/v1/users/${u.id}`]);
  expect(local.h.logs.filter((l) => l.msg === 'identity action refused: user is protected').map((l) => [l.fields.user, l.fields.oktaId, l.fields.login, l.fields.actions]))
    .toEqual([[u.id, u.id, 'user2@example.com', ['suspend', 'clear_sessions']]]);
  expect(u.status).toBe('ACTIVE');
});

test('without ids in protect an id goes to Okta as it is: no lookup (the guard compared the name; no id entry can be bypassed)', async () => {
  const u = local.org.users[1]!;
  await destination(['someone@example.com'])(u.id);
  expect(sent()).toEqual([`POST /api/v1/users/${u.id}/lifecycle/suspend`, `DELETE /api/v1/users/${u.id}/sessions`]);
  expect(u.status).toBe('SUSPENDED');
});
