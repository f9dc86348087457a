import { testDeps } from '../../../test/deps';
import { reply } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import { fixedClock } from '../../ports';
import { memoryStore } from '../../store/memory';
import { oktaDestinationSchema } from './config';
import { oktaDestination } from './destination';
import { localOktaOrg } from './local-org.testkit';

/**
 * The lookup an Okta event needs (lookup.ts) against `limit` (identity/guard.ts), with a local org
 * (okta.testkit.ts) and instances sharing one state store: an event that its lookup refuses
 * (nobody found, no valid id, a protected user, Okta refusing the read) takes no action, so it
 * must not take a slot either, or refusals would lock the real actions out for the window.
 */
const local = localOktaOrg(5);
const on = { 'secorch.identity.compromised': 'suspend', 'secorch.identity.signout': 'clear_sessions' };

function instances(protect: string[], actions = 1) {
  const clock = fixedClock(Date.parse('2030-01-01T00:00:00Z'));
  const store = memoryStore(clock);
  const config = oktaDestinationSchema.parse({ type: 'okta', baseUrl: local.vendor.url, apiToken: 't', on, user: '{{ data.user.name }}', protect, limit: { actions, perSeconds: 3600 } });
  /** One function instance: its own destination and deps, the store and clock shared. */
  const instance = () => {
    const deps = Object.assign(testDeps().deps, { http: local.h.http, logger: local.h.logger, store, clock });
    const deliver = oktaDestination('okta-prod', config, { sleep: local.h.sleep, random: () => 0.5 });
    let n = 0;
    return (name: string, type = 'secorch.identity.compromised') =>
      deliver({ specversion: '1.0', id: `e${++n}`, source: '//test', type, origin: 'webhook:siem', data: { user: { name } } } as CloudEvent, deps);
  };
  return { a: instance(), b: instance() };
}

test('a lookup that finds nobody, no valid id or a protected user, or that Okta refuses, uses no slot: the one action allowed still runs', async () => {
  const guarded = local.org.users[3]!;
  const { a } = instances([guarded.id]);
  await expect(a('nobody@example.com')).rejects.toMatchObject({ code: 'connector_not_found' });
  const { id: _, ...noId } = local.org.users[2]!;
  local.vendor.queue('GET /api/v1/users/:id', reply.json(noId));
  await expect(a('user2@example.com')).rejects.toMatchObject({ code: 'connector_bad_response' });
  await expect(a('user3@example.com')).rejects.toMatchObject({ code: 'identity_user_protected' });
  local.vendor.queue('GET /api/v1/users/:id', reply.json({ errorCode: 'E0000006', errorSummary: 'You do not have permission to perform the requested action', errorCauses: [] }, 403));
  await expect(a('user2@example.com')).rejects.toMatchObject({ code: 'connector_forbidden' });
  expect(local.vendor.requestsTo('POST /api/v1/users/:id/lifecycle/suspend')).toEqual([]);
  // The limit is one action an hour: none of the refusals above took it.
  await a('user1@example.com');
  expect(local.org.users[1]!.status).toBe('SUSPENDED');
  // And it still holds.
  await expect(a('user2@example.com')).rejects.toMatchObject({ code: 'identity_action_limited' });
  expect(local.org.users[2]!.status).toBe('ACTIVE');
});

test('clear_sessions of a login that finds nobody uses no slot either (its endpoint takes an id, so the login is looked up without ids in protect)', async () => {
  const { a } = instances(['someone@example.com']);
  await expect(a('nobody@example.com', 'secorch.identity.signout')).rejects.toMatchObject({ code: 'connector_not_found' });
  await a('user1@example.com', 'secorch.identity.signout');
  expect(local.vendor.requestsTo('DELETE /api/v1/users/:id/sessions').map((r) => r.params.id)).toEqual([local.org.users[1]!.id]);
});

test('two instances acting at once, both after a lookup, still take no more than the limit', async () => {
  const { a, b } = instances([local.org.users[0]!.id], 2);
  const out = await Promise.allSettled([a('user1@example.com'), b('user2@example.com'), a('user3@example.com'), b('user4@example.com')]);
  const limited = out.filter((o) => o.status === 'rejected' && (o.reason as { code?: string }).code === 'identity_action_limited');
  expect([out.filter((o) => o.status === 'fulfilled').length, limited.length]).toEqual([2, 2]);
  expect(local.org.users.filter((u) => u.status === 'SUSPENDED')).toHaveLength(2);
  // Every event was looked up first (an id in protect); only two reached the step.
  expect(local.vendor.requestsTo('GET /api/v1/users/:id')).toHaveLength(4);
  expect(local.vendor.requestsTo('POST /api/v1/users/:id/lifecycle/suspend')).toHaveLength(2);
});
