import { testDeps } from '../../../test/deps';
import type { CloudEvent } from '../../events/cloudevent';
import { fixedClock } from '../../ports';
import { memoryStore } from '../../store/memory';
import { oktaDestinationSchema } from './config';
import { oktaDestination } from './destination';
import { localOktaOrg } from './local-org.testkit';

/**
 * The blast-radius guard (identity/guard.ts) in front of a local Okta org (okta.testkit.ts): a
 * protected user and actions past the cap are refused before any request reaches the org.
 */
const local = localOktaOrg(5);

const on = { 'secorch.identity.compromised': 'suspend', 'secorch.identity.cleared': 'unsuspend', 'secorch.identity.signout': 'clear_sessions', 'secorch.identity.both': ['suspend', 'clear_sessions'] };
const config = (extra: Record<string, unknown>) => oktaDestinationSchema.parse({ type: 'okta', baseUrl: local.vendor.url, apiToken: 't', on, ...extra });
/** One function instance: its own destination and deps; `shared` gives them one state store and clock. */
function instance(c: ReturnType<typeof config>, shared?: { store: ReturnType<typeof memoryStore>; clock: ReturnType<typeof fixedClock> }) {
  const deps = Object.assign(testDeps().deps, { http: local.h.http, logger: local.h.logger }, shared ?? {});
  const deliver = oktaDestination('okta-prod', c, { sleep: local.h.sleep, random: () => 0.5 });
  return (type: string, data: Record<string, unknown>) => deliver({ specversion: '1.0', id: 'e1', source: '//test', type, origin: 'webhook:okta', data } as CloudEvent, deps);
}
const uid = (i: number) => ({ user: { uid: local.org.users[i]!.id } });

test('a protected user is never acted on, a reversal included: no request reaches Okta, a warning names user and actions', async () => {
  const deliver = instance(config({ protect: [local.org.users[1]!.id, 'someone@example.com'] }));
  for (const type of ['secorch.identity.compromised', 'secorch.identity.both', 'secorch.identity.cleared']) {
    await expect(deliver(type, uid(1))).rejects.toMatchObject({ code: 'identity_user_protected', retryable: false });
  }
  expect(local.vendor.requests).toEqual([]);
  expect(local.org.users[1]!.status).toBe('ACTIVE');
  expect(local.h.logs.filter((l) => l.msg === 'identity action refused: user is protected').map((l) => [l.level, l.fields.user, l.fields.actions]))
    .toEqual([['warn', local.org.users[1]!.id, ['suspend']], ['warn', local.org.users[1]!.id, ['suspend', 'clear_sessions']], ['warn', local.org.users[1]!.id, ['unsuspend']]]);
  // Anyone else is acted on as before.
  await deliver('secorch.identity.compromised', uid(2));
  expect(local.org.users[2]!.status).toBe('SUSPENDED');
});

test('emails and logins match whatever their case and outer spaces', async () => {
  const deliver = instance(config({ user: '{{ data.user.email_addr }}', protect: ['Break.Glass@Example.com'] }));
  await expect(deliver('secorch.identity.compromised', { user: { email_addr: ' break.glass@EXAMPLE.COM ' } })).rejects.toMatchObject({ code: 'identity_user_protected' });
  expect(local.vendor.requests).toEqual([]);
});

test('the cap holds across two instances sharing one store, refuses an event whole, never blocks a reversal, and lets actions through after the window', async () => {
  const clock = fixedClock(Date.parse('2030-01-01T00:00:00Z'));
  const shared = { store: memoryStore(clock), clock };
  const c = config({ limit: { actions: 3, perSeconds: 3600 } });
  const [a, b] = [instance(c, shared), instance(c, shared)];
  await a('secorch.identity.compromised', uid(0));
  clock.advance(600 * 1000);
  await b('secorch.identity.both', uid(1)); // suspend and clear_sessions, 10 minutes later: 3 actions in all
  const before = local.vendor.requests.length;
  await expect(a('secorch.identity.compromised', uid(2))).rejects.toMatchObject({ code: 'identity_action_limited', retryable: false, extra: { retryAt: '2030-01-01T01:00:00.000Z' } });
  await expect(b('secorch.identity.signout', uid(3))).rejects.toMatchObject({ code: 'identity_action_limited' });
  expect(local.vendor.requests.length).toBe(before);
  expect(local.org.users[2]!.status).toBe('ACTIVE');
  expect(local.h.logs.filter((l) => l.msg === 'identity action refused: limit reached').map((l) => [l.level, l.fields.user, l.fields.limit])).toEqual([['error', local.org.users[2]!.id, 3], ['error', local.org.users[3]!.id, 3]]);
  // Undoing is never capped, however many times.
  await b('secorch.identity.cleared', uid(0));
  await a('secorch.identity.cleared', uid(1));
  expect([local.org.users[0]!.status, local.org.users[1]!.status]).toEqual(['ACTIVE', 'ACTIVE']);
  // An hour after the first action one slot is free; the event with two actions waits for the
  // second event's to leave the window too.
  clock.set(Date.parse('2030-01-01T01:00:00Z'));
  await a('secorch.identity.compromised', uid(2));
  expect(local.org.users[2]!.status).toBe('SUSPENDED');
  await expect(b('secorch.identity.both', uid(3))).rejects.toMatchObject({ code: 'identity_action_limited', extra: { retryAt: '2030-01-01T01:10:00.000Z' } });
  clock.set(Date.parse('2030-01-01T01:10:00Z'));
  await b('secorch.identity.both', uid(3));
  expect(local.org.users[3]!.status).toBe('SUSPENDED');
});

test('`limit: false` turns the cap off', async () => {
  const deliver = instance(config({ limit: false }));
  for (let i = 0; i < 5; i++) await deliver('secorch.identity.both', uid(i));
  expect(local.org.users.every((u) => u.status === 'SUSPENDED')).toBe(true);
});
