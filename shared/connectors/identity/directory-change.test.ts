import type { Harness } from '../transport.testkit';
import { directory, syncDeps } from './directory.testkit';
import { runSync } from './sync';

/**
 * A schedule pointed at another directory (its destination's org, or its provider, changed): the
 * snapshot of the first directory must not be compared with the second, whose lookups find none of
 * the first one's users and would report every one of them deactivated.
 */
const at = (directory: string) => ({ tenant: 'default', schedule: 'users', provider: 'okta' as const, directory });
const far = () => Date.parse('2100-01-01T00:00:00Z');
const kinds = (events: { type: string; subject?: string }[]) => events.map((e) => [e.type.replace('secorch.identity.user.', ''), e.subject]);
const snapshotKeys = async (store: { list: (p: string, o: { limit: number }) => Promise<{ items: { key: string }[] }> }) =>
  (await store.list('idsync:default:users:', { limit: 1000 })).items.map((i) => i.key);

let h: Harness;
afterEach(() => h.close());

test('a new directory starts a new snapshot: its users are created, the earlier directory\'s are not reported deactivated, and its records are deleted', async () => {
  const s = syncDeps();
  h = s.h;
  const first = directory(['a1', 'a2', 'a3']);
  expect(await runSync(first.source, at('okta https://first.okta.com'), far(), s.deps)).toMatchObject({ complete: true, round: 1, events: 3 });
  const createdInFirst = s.bus.events.map((e) => e.id);
  s.bus.events.length = 0;

  const second = directory(['b1', 'a2']);
  expect(await runSync(second.source, at('okta https://second.okta.com'), far(), s.deps)).toMatchObject({ complete: true, round: 1, events: 2 });
  expect(kinds(s.bus.events)).toEqual([['created', 'a2'], ['created', 'b1']]);
  // Event ids differ from the first directory's, so consumers deduplicating on ids drop none of them.
  expect(s.bus.events.map((e) => e.id).filter((id) => createdInFirst.includes(id))).toEqual([]);
  expect(h.logs.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
    'identity sync: the schedule reads another directory now; a new snapshot starts (every user is reported as created) and the earlier one is deleted',
  ]);
  // Only the second directory's records and the position remain.
  expect((await snapshotKeys(s.deps.store)).sort()).toEqual(['idsync:default:users:g1:u:a2', 'idsync:default:users:g1:u:b1', 'idsync:default:users:state']);

  // Later rounds compare with the second directory only.
  s.bus.events.length = 0;
  second.suspend('b1');
  expect(await runSync(second.source, at('okta https://second.okta.com'), far(), s.deps)).toMatchObject({ complete: true, round: 2, events: 1 });
  expect(kinds(s.bus.events)).toEqual([['deactivated', 'b1']]);
});

test('a position stored before directories were recorded is taken as the current directory: no new snapshot', async () => {
  const s = syncDeps();
  h = s.h;
  const dir = directory(['u1', 'u2']);
  const legacy = { tenant: 'default', schedule: 'users', provider: 'okta' as const };
  expect(await runSync(dir.source, legacy, far(), s.deps)).toMatchObject({ complete: true, round: 1, events: 2 });
  s.bus.events.length = 0;
  dir.suspend('u2');
  expect(await runSync(dir.source, at('okta https://acme.okta.com'), far(), s.deps)).toMatchObject({ complete: true, round: 2, events: 1 });
  expect(kinds(s.bus.events)).toEqual([['deactivated', 'u2']]);
  expect(h.logs.filter((l) => l.level === 'warn')).toEqual([]);
  expect(JSON.parse((await s.deps.store.get('idsync:default:users:state'))!.value)).toMatchObject({ directory: 'okta https://acme.okta.com', round: 2 });
});

test('an earlier snapshot too large for one run is deleted over the following runs, after each round', async () => {
  const s = syncDeps();
  h = s.h;
  const ids = Array.from({ length: 60 }, (_, i) => `a${String(i).padStart(2, '0')}`);
  const first = directory(ids, 20);
  await runSync(first.source, at('okta https://first.okta.com'), far(), s.deps);
  const second = directory(['b1']);
  // A deadline already passed: the new round's page is read (a run always makes progress) and the deletion waits.
  expect(await runSync(second.source, at('okta https://second.okta.com'), 0, s.deps)).toMatchObject({ complete: true, round: 1 });
  expect((await snapshotKeys(s.deps.store)).filter((k) => k.startsWith('idsync:default:users:u:'))).toHaveLength(60);
  expect(await runSync(second.source, at('okta https://second.okta.com'), far(), s.deps)).toMatchObject({ complete: true, round: 2 });
  expect((await snapshotKeys(s.deps.store)).sort()).toEqual(['idsync:default:users:g1:u:b1', 'idsync:default:users:state']);
  expect(JSON.parse((await s.deps.store.get('idsync:default:users:state'))!.value).retired).toBeUndefined();
});
