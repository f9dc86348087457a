import { testDeps } from '../../../test/deps';
import { reply } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import { oktaDestinationSchema } from './config';
import { oktaDestination } from './destination';
import { localOktaOrg } from './local-org.testkit';
import { notFound } from './okta.testkit';

/**
 * The lookup a protected Okta id brings to suspend and unsuspend of a user named by login
 * (lookup.ts, protect.ts), against a local org (okta.testkit.ts). The id found is the only
 * thing the guard can compare, so a lookup that finds no usable id must stop the step rather than
 * let it go on by the login, unchecked.
 */
const local = localOktaOrg(4);

function destination(protect: string[]) {
  const on = { 'secorch.identity.compromised': 'suspend', 'secorch.identity.cleared': 'unsuspend' };
  const config = oktaDestinationSchema.parse({ type: 'okta', baseUrl: local.vendor.url, apiToken: 'okta-token-1', on, user: '{{ data.user.name }}', protect });
  const deps = Object.assign(testDeps().deps, { http: local.h.http, logger: local.h.logger });
  const deliver = oktaDestination('okta-prod', config, { sleep: local.h.sleep, random: () => 0.5 });
  return (name: string, type = 'secorch.identity.compromised') =>
    deliver({ specversion: '1.0', id: 'e1', source: '//test', type, origin: 'webhook:siem', data: { user: { name } } } as CloudEvent, deps);
}
const steps = () => local.vendor.requests.filter((r) => r.method === 'POST').map((r) => r.path);

test('an id in protect written in a compatibility form (fullwidth digits, outer spaces) still brings the lookup: its user is protected under its login', async () => {
  const u = local.org.users[2]!;
  // The guard compares entries so (normaliseUser): the README promises compatibility forms are ignored.
  const deliver = destination([` \uFF10\uFF10${u.id.slice(2)} `]);
  await expect(deliver('user2@example.com')).rejects.toMatchObject({ code: 'identity_user_protected', retryable: false });
  expect(u.status).toBe('ACTIVE');
  expect(steps()).toEqual([]);
});

test('Okta answering the lookup with a user without an id: no step by login, a bad response', async () => {
  const u = local.org.users[2]!;
  const { id: _, ...noId } = u;
  local.vendor.queue('GET /api/v1/users/:id', reply.json(noId));
  await expect(destination([u.id])('user2@example.com')).rejects.toMatchObject({ code: 'connector_bad_response', retryable: false });
  expect(u.status).toBe('ACTIVE');
  expect(steps()).toEqual([]);
});

test('Okta answering the lookup with an id of another form: no step by login, a bad response', async () => {
  const u = local.org.users[2]!;
  local.vendor.queue('GET /api/v1/users/:id', reply.json({ ...u, id: `${u.id}/x` }));
  await expect(destination([u.id])('user2@example.com')).rejects.toMatchObject({ code: 'connector_bad_response' });
  expect(u.status).toBe('ACTIVE');
  expect(steps()).toEqual([]);
});

test('a login the lookup finds nobody for is not found, without a step by that login (a user renamed to it meanwhile is not acted on unchecked)', async () => {
  const u = local.org.users[2]!;
  // The lookup answers 404; the login is then the protected user's, as after a rename in between.
  local.vendor.queue('GET /api/v1/users/:id', notFound());
  await expect(destination([u.id])('user2@example.com')).rejects.toMatchObject({ code: 'connector_not_found', retryable: false });
  expect(u.status).toBe('ACTIVE');
  expect(steps()).toEqual([]);
});

test('unsuspend too: a user without an id in the lookup is not unsuspended by login', async () => {
  const u = local.org.users[2]!;
  u.status = 'SUSPENDED';
  const { id: _, ...noId } = u;
  local.vendor.queue('GET /api/v1/users/:id', reply.json(noId));
  await expect(destination([u.id])('user2', 'secorch.identity.cleared')).rejects.toMatchObject({ code: 'connector_bad_response' });
  expect(u.status).toBe('SUSPENDED');
});

test('clear_sessions of a login Okta answers without an id: a bad response, no sessions request', async () => {
  const u = local.org.users[2]!;
  const { id: _, ...noId } = u;
  local.vendor.queue('GET /api/v1/users/:id', reply.json(noId));
  const config = oktaDestinationSchema.parse({
    type: 'okta', baseUrl: local.vendor.url, apiToken: 'okta-token-1', on: { 'secorch.identity.compromised': 'clear_sessions' }, user: '{{ data.user.name }}', protect: [u.id],
  });
  const deps = Object.assign(testDeps().deps, { http: local.h.http, logger: local.h.logger });
  const deliver = oktaDestination('okta-prod', config, { sleep: local.h.sleep, random: () => 0.5 });
  const event = { specversion: '1.0', id: 'e1', source: '//test', type: 'secorch.identity.compromised', origin: 'webhook:siem', data: { user: { name: 'user2@example.com' } } } as CloudEvent;
  await expect(deliver(event, deps)).rejects.toMatchObject({ code: 'connector_bad_response' });
  expect(local.vendor.requestsTo('DELETE /api/v1/users/:id/sessions')).toEqual([]);
});
