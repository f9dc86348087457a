import type { Harness } from '../transport.testkit';
import { directory, syncDeps } from './directory.testkit';
import { runSync } from './sync';
import type { UserSource } from './types';

/**
 * Stored values identity sync did not write (a truncated write, a manual edit, an older layout)
 * must not stop the schedule for good, nor make it report changes nobody made. The layout:
 * snapshot.ts; the memory store is the reference implementation of the port.
 */
const scope = { tenant: 'default', schedule: 'users', provider: 'okta' as const };
const STATE = 'idsync:default:users:state';
const USER = (id: string) => `idsync:default:users:u:${id}`;
const far = () => Date.parse('2100-01-01T00:00:00Z');
const kinds = (events: { type: string; subject?: string }[]) => events.map((e) => [e.type.replace('secorch.identity.user.', ''), e.subject]);

let h: Harness;
afterEach(() => h.close());

test.each([
  ['a truncated write', '{"round":1,"pha'],
  ['not an object', 'null'],
  ['an unknown phase', '{"round":1,"phase":"done"}'],
  ['a round that is not a count', '{"round":"1","phase":"list"}'],
])('a stored position that is %s starts the round again with a warning; only real changes are reported, deletions included', async (_, corrupt) => {
  const s = syncDeps();
  h = s.h;
  const dir = directory(['u1', 'u2', 'u3', 'u4']);
  expect(await runSync(dir.source, scope, far(), s.deps)).toMatchObject({ complete: true, round: 1, events: 4 });
  expect(await runSync(dir.source, scope, far(), s.deps)).toMatchObject({ complete: true, round: 2, events: 0 });
  s.bus.events.length = 0;

  dir.suspend('u2');
  dir.users.delete('u4');
  await s.deps.store.put(STATE, corrupt);
  // The relist reports the suspension; the sweep still looks up u4 (its record carries round 2,
  // so the restarted round must come after it) and reports its deletion. No user is new.
  expect(await runSync(dir.source, scope, far(), s.deps)).toMatchObject({ complete: true });
  expect(kinds(s.bus.events)).toEqual([['deactivated', 'u2'], ['deactivated', 'u4']]);
  expect(h.logs.filter((l) => l.level === 'warn').map((l) => [l.msg, l.fields.key])).toEqual([['identity sync: stored position unreadable; starting the round again', STATE]]);

  s.bus.events.length = 0;
  expect(await runSync(dir.source, scope, far(), s.deps)).toMatchObject({ complete: true, events: 0 });
});

test('unreadable user records are stored again with no event; later changes are reported with ids never used before', async () => {
  const s = syncDeps();
  h = s.h;
  const dir = directory(['u1', 'u2', 'u3', 'u4', 'u5']);
  await runSync(dir.source, scope, far(), s.deps);
  dir.suspend('u1');
  await runSync(dir.source, scope, far(), s.deps);
  dir.activate('u1');
  await runSync(dir.source, scope, far(), s.deps);
  const earlier = s.bus.events.map((e) => e.id);
  expect(kinds(s.bus.events.slice(5))).toEqual([['deactivated', 'u1']]);
  s.bus.events.length = 0;

  // u1 not JSON; u2 of another shape; u3 a record of another user; u4 gone from the directory
  // (listed no more: only the sweep reaches it) with a truncated record.
  await s.deps.store.put(USER('u1'), 'garbage');
  await s.deps.store.put(USER('u2'), JSON.stringify({ id: 'u2', active: 'yes' }));
  await s.deps.store.put(USER('u3'), JSON.stringify({ id: 'u9', status: 'ACTIVE', active: true, v: 1, round: 3 }));
  await s.deps.store.put(USER('u4'), '{"id":"u4","status":"ACT');
  dir.users.delete('u4');
  expect(await runSync(dir.source, scope, far(), s.deps)).toMatchObject({ complete: true, round: 4, events: 0 });
  expect(s.bus.events).toEqual([]);
  // Pages of two (u1 u2, u3 u5), then the sweep's lookup of u4.
  const unreadable = 'identity sync: stored user records unreadable; stored again as the source shows them, without events';
  expect(h.logs.filter((l) => l.level === 'warn').map((l) => [l.msg, l.fields.users])).toEqual([[unreadable, 2], [unreadable, 1], [unreadable, 1]]);

  // The records are readable again: changes are reported, u1's deactivation under an id of its own
  // (consumers deduplicating on ids would drop one that repeated its first deactivation's).
  dir.suspend('u1');
  dir.suspend('u2');
  dir.users.set('u4', { status: 'ACTIVE', active: true });
  expect(await runSync(dir.source, scope, far(), s.deps)).toMatchObject({ complete: true, round: 5 });
  expect(kinds(s.bus.events)).toEqual([['deactivated', 'u1'], ['deactivated', 'u2']]);
  expect(s.bus.events.filter((e) => earlier.includes(e.id))).toEqual([]);
});

test('the enrichment pass of a delta source leaves an unreadable record out with a warning and still reports the others', async () => {
  const s = syncDeps();
  h = s.h;
  const factors = new Map([['g1', 1], ['g2', 1], ['g3', 1]]);
  let first = true;
  const source: UserSource = {
    provider: 'entra',
    mode: 'delta',
    async *pages() {
      const users = first ? [...factors.keys()].map((id) => ({ id, fields: { status: 'enabled', active: true } })) : [];
      first = false;
      yield { users, deltaLink: 'https://graph.example/delta?$deltatoken=1' };
    },
    async enrichment() {
      const now = new Map(factors);
      return (id) => ({ mfaFactors: now.get(id) });
    },
  };
  const entra = { ...scope, provider: 'entra' as const };
  expect(await runSync(source, entra, far(), s.deps)).toMatchObject({ complete: true, events: 3 });
  s.bus.events.length = 0;

  await s.deps.store.put(USER('g2'), '{');
  factors.set('g2', 0);
  factors.set('g3', 0);
  expect(await runSync(source, entra, far(), s.deps)).toMatchObject({ complete: true, round: 2 });
  expect(kinds(s.bus.events)).toEqual([['mfa_removed', 'g3']]);
  expect(h.logs.filter((l) => l.level === 'warn').map((l) => [l.msg, l.fields.keys])).toEqual([['identity sync: stored user records unreadable; left out of the enrichment pass', [USER('g2')]]]);
});

test('a stored sweep phase under a delta source (the schedule\'s provider changed) marks no user absent from the delta as deleted', async () => {
  const s = syncDeps();
  h = s.h;
  const users = ['g1', 'g2', 'g3'];
  let first = true;
  const source: UserSource = {
    provider: 'entra',
    mode: 'delta',
    async *pages() {
      const listed = first ? users.map((id) => ({ id, fields: { status: 'enabled', active: true } })) : [];
      first = false;
      yield { users: listed, deltaLink: 'https://graph.example/delta?$deltatoken=1' };
    },
  };
  const entra = { ...scope, provider: 'entra' as const };
  expect(await runSync(source, entra, far(), s.deps)).toMatchObject({ complete: true, round: 1, events: 3 });
  s.bus.events.length = 0;
  // A full source's position, mid-sweep: a delta source has no lookup, and none of its users was
  // in a delta since round 1.
  await s.deps.store.put(STATE, JSON.stringify({ round: 1, phase: 'sweep' }));
  expect(await runSync(source, entra, far(), s.deps)).toMatchObject({ complete: true, round: 2, events: 0 });
  expect(s.bus.events).toEqual([]);
});
