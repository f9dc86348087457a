import { fixedClock } from '../../ports';
import type { StateStore } from '../../ports';
import { memoryStore } from '../../store/memory';
import { auth0DestinationSchema } from '../auth0/config';
import { entraDestinationSchema } from '../entra/config';
import { oktaDestinationSchema } from '../okta/config';
import { DEFAULT_LIMIT } from './config';
import { testDeps } from '../../../test/deps';
import { identityActions } from './action';
import { normaliseUser } from './guard';
import { limitKey, reserve } from './limit';

/** The blast-radius guard's parts: its configuration, the comparison of users, the shared window. */
const okta = { type: 'okta', baseUrl: 'https://example.okta.com', apiToken: 't' };
const HOUR = { actions: 3, perSeconds: 3600 };

test('config: on by default (50 an hour), `false` turns the cap off; bad bounds, blank users and unknown keys refused', () => {
  expect(oktaDestinationSchema.parse(okta)).toMatchObject({ protect: [], limit: DEFAULT_LIMIT });
  expect(DEFAULT_LIMIT).toEqual({ actions: 50, perSeconds: 3600 });
  expect(oktaDestinationSchema.parse({ ...okta, limit: false, protect: ['00u1', 'Admin@Example.com'] })).toMatchObject({ limit: false, protect: ['00u1', 'Admin@Example.com'] });
  for (const limit of [{ actions: 0, perSeconds: 60 }, { actions: 1.5, perSeconds: 60 }, { actions: 1001, perSeconds: 60 }, { actions: 5, perSeconds: 0 },
    { actions: 5, perSeconds: 8 * 24 * 3600 }, { actions: 5 }, { actions: 5, perSeconds: 60, burst: 2 }, true, 20]) {
    expect([limit, oktaDestinationSchema.safeParse({ ...okta, limit }).success]).toEqual([limit, false]);
  }
  for (const protect of [[''], ['  '], 'admin@example.com', [42]]) expect(oktaDestinationSchema.safeParse({ ...okta, protect }).success).toBe(false);
  const entra = { type: 'entra', tenantId: 'contoso.onmicrosoft.com', clientId: 'a', clientSecret: 's' };
  const auth0 = { type: 'auth0', baseUrl: 'https://example.eu.auth0.com', clientId: 'a', clientSecret: 's' };
  expect(entraDestinationSchema.safeParse({ ...entra, protect: ['x'], limit: { actions: 1, perSeconds: 60, extra: 1 } }).success).toBe(false);
  expect(auth0DestinationSchema.parse({ ...auth0, protect: ['auth0|1'], limit: { actions: 1, perSeconds: 60 } })).toMatchObject({ limit: { actions: 1, perSeconds: 60 } });
});

test('config: an event type whose disruptive actions exceed the cap could never pass and is refused; reversals do not count', () => {
  const on = { 'secorch.identity.compromised': ['suspend', 'clear_sessions'], 'secorch.identity.cleared': ['unsuspend'] };
  const bad = oktaDestinationSchema.safeParse({ ...okta, on, limit: { actions: 1, perSeconds: 60 } });
  expect(bad.success ? [] : bad.error.issues.map((i) => i.path.join('.'))).toEqual(['limit.actions']);
  expect(oktaDestinationSchema.safeParse({ ...okta, on: { a: ['suspend', 'unsuspend'] }, limit: { actions: 1, perSeconds: 60 } }).success).toBe(true);
  expect(oktaDestinationSchema.safeParse({ ...okta, on, limit: false }).success).toBe(true);
  const entra = { type: 'entra', tenantId: 't', clientId: 'a', clientSecret: 's', on: { x: ['disable', 'revoke_sessions'] } };
  expect(entraDestinationSchema.safeParse({ ...entra, limit: { actions: 1, perSeconds: 60 } }).success).toBe(false);
});

test('users are compared whatever their case, diacritical marks, compatibility forms and outer spaces, exactly otherwise', () => {
  expect(normaliseUser('  Break.Glass@Example.COM ')).toBe('break.glass@example.com');
  expect(normaliseUser('Ren\u0065\u0301@contoso.com')).toBe(normaliseUser('REN\u00c9@CONTOSO.COM'));
  // Okta's login rule: `isáàc.bröck@example.com` is the login `Isaac.Brock@example.com`.
  expect(normaliseUser('isáàc.bröck@example.com')).toBe(normaliseUser('Isaac.Brock@example.com'));
  // Dotted and dotless i, long s, fullwidth letters, a no-break space.
  for (const form of ['ADMİN@corp.com', 'admın@corp.com', 'ａｄｍｉｎ@corp.com', '\u00a0admin@corp.com']) expect(normaliseUser(form)).toBe('admin@corp.com');
  expect(normaliseUser('ſvc-scim@corp.com')).toBe('svc-scim@corp.com');
  expect(normaliseUser('admin@example.com')).not.toBe(normaliseUser('admin@example.co'));
  expect(normaliseUser('auth0|ABC')).not.toBe(normaliseUser('auth0|ABC2'));
});

describe('the shared window', () => {
  test('at most `actions` in any window: the (N+1)th waits for the oldest to leave, from any instance', async () => {
    const a = fixedClock(1_000_000);
    const b = fixedClock(1_000_000);
    const store = memoryStore(a);
    expect(await reserve(store, a, 'k', HOUR, 1)).toEqual({ ok: true, count: 1 });
    a.advance(1_800_000);
    b.advance(1_800_000);
    expect(await reserve(store, b, 'k', HOUR, 2)).toEqual({ ok: true, count: 3 });
    // Full: refused until the first action is an hour old, then one slot, then full again.
    expect(await reserve(store, a, 'k', HOUR, 1)).toEqual({ ok: false, count: 3, retryAt: 1_000_000 + 3_600_000 });
    a.set(1_000_000 + 3_600_000 - 1);
    expect((await reserve(store, a, 'k', HOUR, 1)).ok).toBe(false);
    a.advance(1);
    expect(await reserve(store, a, 'k', HOUR, 1)).toEqual({ ok: true, count: 3 });
    expect(await reserve(store, b, 'k', HOUR, 1)).toMatchObject({ ok: false, retryAt: 1_000_000 + 1_800_000 + 3_600_000 });
  });

  test('an event\'s actions are taken together or not at all', async () => {
    const clock = fixedClock(0);
    const store = memoryStore(clock);
    expect((await reserve(store, clock, 'k', HOUR, 2)).ok).toBe(true);
    expect(await reserve(store, clock, 'k', HOUR, 2)).toEqual({ ok: false, count: 2, retryAt: 3_600_000 });
    expect(await reserve(store, clock, 'k', HOUR, 1)).toEqual({ ok: true, count: 3 });
  });

  test('the same token again while its actions are in the window passes uncounted; after the window it counts again', async () => {
    const clock = fixedClock(0);
    const store = memoryStore(clock);
    expect(await reserve(store, clock, 'k', HOUR, 2, 'evt-1')).toEqual({ ok: true, count: 2 });
    for (let i = 0; i < 3; i++) expect(await reserve(store, clock, 'k', HOUR, 2, 'evt-1')).toEqual({ ok: true, count: 2 });
    expect(await reserve(store, clock, 'k', HOUR, 2, 'evt-2')).toMatchObject({ ok: false, count: 2 });
    expect(await reserve(store, clock, 'k', HOUR, 1, 'evt-3')).toEqual({ ok: true, count: 3 });
    clock.advance(3_600_000);
    // Everything counted at 0 has left the window: evt-1 is counted anew, alone.
    expect(await reserve(store, clock, 'k', HOUR, 2, 'evt-1')).toEqual({ ok: true, count: 2 });
    expect(await reserve(store, clock, 'k', HOUR, 2, 'evt-4')).toMatchObject({ ok: false, count: 2 });
    // A window written before tokens (times only) still counts, and matches no token.
    await store.put('old', JSON.stringify({ at: [clock.now(), clock.now()] }));
    expect(await reserve(store, clock, 'old', HOUR, 1, '')).toEqual({ ok: true, count: 3 });
    expect(await reserve(store, clock, 'old', HOUR, 1, 'evt-1')).toMatchObject({ ok: false, count: 3 });
  });

  test('a redelivered event (the provider failed) is not counted again: the cap is left for other events', async () => {
    const clock = fixedClock(0);
    const { deps } = testDeps();
    deps.clock = clock;
    deps.store = memoryStore(clock);
    let failures = 2;
    const acted: string[] = [];
    const deliver = identityActions('okta-prod', { user: '{{ data.user.uid }}', on: { compromised: ['suspend', 'clear_sessions'] }, allowApiOrigin: false, protect: [], limit: { actions: 3, perSeconds: 3600 } },
      async (action: string, user: string) => {
        if (failures > 0 && action === 'suspend') {
          failures -= 1;
          throw new Error('provider unavailable');
        }
        acted.push(`${action}:${user}`);
        return 'done' as const;
      }, []);
    const event = (id: string, uid: string) => ({ specversion: '1.0' as const, id, source: '/webhooks/okta', type: 'compromised', origin: 'webhook:okta', data: { user: { uid } } });
    await expect(deliver(event('e-1', 'u1'), deps)).rejects.toThrow('provider unavailable');
    await expect(deliver(event('e-1', 'u1'), deps)).rejects.toThrow('provider unavailable');
    await deliver(event('e-1', 'u1'), deps);
    expect(acted).toEqual(['suspend:u1', 'clear_sessions:u1']);
    // Two of three slots are used, once: an event with one action still fits, one with two does not.
    await expect(deliver(event('e-2', 'u2'), deps)).rejects.toMatchObject({ code: 'identity_action_limited' });
    expect(acted).toHaveLength(2);
  });

  test('concurrent reservations through conditional writes: exactly `actions` pass', async () => {
    const clock = fixedClock(0);
    const store = memoryStore(clock);
    const results = await Promise.all(Array.from({ length: 10 }, () => reserve(store, clock, 'k', { actions: 4, perSeconds: 60 }, 1)));
    expect(results.filter((r) => r.ok)).toHaveLength(4);
  });

  test('a guard that keeps losing races fails closed and retryable; an unreadable window counts as empty; odd names are digested', async () => {
    const clock = fixedClock(0);
    const store = memoryStore(clock);
    const losing: StateStore = { ...store, put: async () => false };
    await expect(reserve(losing, clock, 'k', HOUR, 1)).rejects.toMatchObject({ code: 'identity_limit_unavailable', retryable: true });
    await store.put('k', '{"at": "garbage"');
    expect(await reserve(store, clock, 'k', HOUR, 3)).toEqual({ ok: true, count: 3 });
    expect([limitKey('okta-prod'), limitKey('a:b')]).toEqual(['identity-limit:okta-prod', expect.stringMatching(/^identity-limit:~[0-9a-f]{32}$/)]);
  });
});
