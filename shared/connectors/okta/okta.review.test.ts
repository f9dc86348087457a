import { testDeps } from '../../../test/deps';
import { reply } from '../../../test/support/vendor-server';
import type { CloudEvent } from '../../events/cloudevent';
import { fixedClock } from '../../ports';
import { memoryStore } from '../../store/memory';
import { oktaDestinationSchema } from './config';
import { oktaDestination } from './destination';
import { localOktaOrg } from './local-org.testkit';

/**
 * The lookup an Okta event needs (lookup.ts) and what it answers when Okta's answer or Okta itself
 * fails, against a local org (okta.testkit.ts) and a state store shared by the events.
 */
const local = localOktaOrg(4);

function destination(protect: string[], on: Record<string, string | string[]> = { 'secorch.identity.compromised': 'suspend' }, limit: { actions: number; perSeconds: number } | false = false) {
  const clock = fixedClock(Date.parse('2030-01-01T00:00:00Z'));
  const config = oktaDestinationSchema.parse({ type: 'okta', baseUrl: local.vendor.url, apiToken: 't', on, user: '{{ data.user.name }}', protect, limit });
  const deps = Object.assign(testDeps().deps, { http: local.h.http, logger: local.h.logger, store: memoryStore(clock), clock });
  const deliver = oktaDestination('okta-prod', config, { sleep: local.h.sleep, random: () => 0.5 });
  return (name: string, id = 'e1') =>
    deliver({ specversion: '1.0', id, source: '//test', type: 'secorch.identity.compromised', origin: 'webhook:siem', data: { user: { name } } } as CloudEvent, deps);
}
const steps = () => local.vendor.requests.filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);

test.each([
  ['without a profile', (u: Record<string, unknown>) => { const { profile: _, ...rest } = u; return rest; }],
  ['with a login that is no string', (u: Record<string, unknown>) => ({ ...u, profile: { ...(u.profile as object), login: 42 } })],
  ['with an empty login', (u: Record<string, unknown>) => ({ ...u, profile: { ...(u.profile as object), login: '' } })],
])('a lookup answered %s cannot be compared with a protected login: nothing is done, a bad response', async (_, answer) => {
  const u = local.org.users[2]!;
  local.vendor.queue('GET /api/v1/users/:id', reply.json(answer(u as unknown as Record<string, unknown>)));
  // The id entry brings the lookup; the login entry is the user's, named here by its id.
  const out = destination([local.org.users[0]!.id, 'user2@example.com'])(u.id);
  await expect(out).rejects.toMatchObject({ code: 'connector_bad_response', retryable: false });
  expect(u.status).toBe('ACTIVE');
  expect(steps()).toEqual([]);
});

test.each([
  ['429', () => reply.tooManyRequests('0', {}, { errorCode: 'E0000047', errorSummary: 'API call exceeded rate limit due to too many requests.', errorCauses: [] })],
  ['503', () => reply.json({ errorCode: 'E0000009', errorSummary: 'Internal Server Error', errorCauses: [] }, 503)],
])('a lookup Okta answers %s throughout is retryable and uses no slot; the redelivery then acts once', async (_, failure) => {
  const u = local.org.users[1]!;
  const deliver = destination([local.org.users[0]!.id], undefined, { actions: 1, perSeconds: 3600 });
  local.vendor.on('GET /api/v1/users/:id', failure());
  await expect(deliver('user1@example.com')).rejects.toMatchObject({ retryable: true });
  expect(steps()).toEqual([]);
  // Okta answers again (the org's own handlers back in place).
  local.org.install(local.vendor);
  // The router's redelivery of that event: the one slot is still free.
  await deliver('user1@example.com');
  expect(u.status).toBe('SUSPENDED');
  expect(steps()).toEqual([`POST /api/v1/users/${u.id}/lifecycle/suspend`]);
});

test.each(['constructor', 'toString', '__proto__'])('an event type named like an Object member (%s) needs no lookup and is ignored, with protect listing an id', async (type) => {
  const clock = fixedClock(Date.parse('2030-01-01T00:00:00Z'));
  const config = oktaDestinationSchema.parse({ type: 'okta', baseUrl: local.vendor.url, apiToken: 't', on: { 'secorch.identity.compromised': 'suspend' }, user: '{{ data.user.name }}', protect: [local.org.users[0]!.id] });
  const deps = Object.assign(testDeps().deps, { http: local.h.http, logger: local.h.logger, store: memoryStore(clock), clock });
  const before = local.vendor.requests.length;
  await expect(oktaDestination('okta-prod', config)({ specversion: '1.0', id: 'e-proto', source: '//test', type, origin: 'webhook:siem', data: { user: { name: 'nobody@example.com' } } } as CloudEvent, deps)).resolves.toBeUndefined();
  expect(local.vendor.requests.slice(before)).toEqual([]);
});
