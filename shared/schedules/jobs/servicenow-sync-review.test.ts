import type { StateStore } from '../../ports/store';
import { memoryStore } from '../../store/memory';
import { apartFromLease, record, targetKit } from './servicenow-sync-target.testkit';

/**
 * Two servicenow-sync schedules of one tenant (`fast` and `slow`) whose runs overlap while the
 * destination is pointed elsewhere (servicenow-sync-target.testkit.ts). A run of one schedule is
 * made to happen inside the other's, at a chosen read of the state store, as a slower run would
 * see it: the store is the memory store, wrapped only to start the other run there. And the
 * shared record (servicenow-sync-shared.ts) lost while a first listing is under way.
 */
const kit = targetKit();

/** A store that runs `other` once, the first time `when` holds for a key read with get. */
function interleaved(inner: StateStore, when: (key: string) => boolean, other: () => Promise<void>) {
  let done = false;
  const store: StateStore = {
    ...inner,
    async get(key) {
      if (!done && when(key)) {
        done = true;
        await other();
      }
      return inner.get(key);
    },
  };
  return { store, done: () => done };
}

const isState = (key: string) => /^servicenow-sync:default@[0-9a-f]{16}:snow:[0-9a-f]{32}$/.test(key);

test('a run still listing an instance when another schedule moves the states away and deletes them there: no record it reads is reported from null', async () => {
  const [a, b] = [await kit.instance(), await kit.instance()];
  const { deps, point, runAs, changes } = kit.setup(2);
  const rows = Array.from({ length: 4 }, (_, i) => a.insert(record(`f-${i}`)));
  point(a);
  await runAs('fast');
  await runAs('slow');
  kit.h.clock.advance(60_000);
  for (const r of rows) a.change(r.sys_id!, { state: '2' });
  await runAs('fast');
  expect(changes()).toHaveLength(4);

  // Edited without a change of state: `slow` reads them again. As it reads the first one's state,
  // `fast` runs on a configuration that names B: it lists B and deletes A's states.
  kit.h.clock.advance(60_000);
  for (const r of rows) a.change(r.sys_id!, { short_description: 'edited, same state' });
  b.insert(record('f-b1'));
  const inner = deps.store;
  const { store, done } = interleaved(inner, isState, async () => {
    deps.store = apartFromLease(inner);
    point(b);
    await runAs('fast');
    point(a);
    deps.store = store;
  });
  deps.store = store;
  // It stops there: the states it compares with are no longer the current target's.
  expect(await runAs('slow')).toMatchObject({ emitted: 0, conflict: true });
  deps.store = inner;
  expect(done()).toBe(true);
  expect(changes()).toHaveLength(4);
});

test('another schedule ends the baseline listing while this one lists the target as a baseline: a record first seen past New after that is reported', async () => {
  const [a, b] = [await kit.instance(), await kit.instance()];
  const { deps, point, runAs, changes } = kit.setup(2);
  a.insert(record('f-a1'));
  point(a);
  await runAs('fast');
  await runAs('slow');

  for (let i = 0; i < 3; i++) b.change(b.insert(record(`f-b${i}`)).sys_id!, { state: '2' });
  kit.h.clock.advance(60_000);
  point(b);
  // `fast` moves the states to B and lists one page of it before its deadline.
  expect(await runAs('fast', 0)).toMatchObject({ records: 2, emitted: 0 });
  // `slow` lists B from its first record, as a baseline; as it reads the first state, `fast`
  // ends the baseline, and then a record is made on B and moved past New.
  const inner = deps.store;
  const { store, done } = interleaved(inner, isState, async () => {
    deps.store = apartFromLease(inner);
    await runAs('fast');
    kit.h.clock.advance(60_000);
    b.change(b.insert(record('f-new')).sys_id!, { state: '3' });
    deps.store = store;
  });
  deps.store = store;
  expect(await runAs('slow', kit.h.clock.now() + 600_000)).toMatchObject({ records: 4 });
  deps.store = inner;
  expect(done()).toBe(true);
  kit.h.clock.advance(60_000);
  await runAs('fast');
  await runAs('slow');
  expect(changes()).toEqual([['f-new', null, '3']]);
});

test('the shared record lost while the first listing of a new instance is under way: its records not yet listed are not reported from null', async () => {
  const [a, b] = [await kit.instance(), await kit.instance()];
  const { deps, point, runAs, changes } = kit.setup(2);
  a.insert(record('f-a1'));
  point(a);
  await runAs('fast');
  for (let i = 0; i < 3; i++) b.change(b.insert(record(`f-b${i}`)).sys_id!, { state: '2' });
  kit.h.clock.advance(60_000);
  point(b);
  expect(await runAs('fast', 0)).toMatchObject({ records: 2, emitted: 0 });
  await deps.store.delete('servicenow-sync-target:default:snow');
  await runAs('fast');
  expect(changes()).toEqual([]);
});

test('more records changed within the look-back window than one run reads: each run goes on where the last stopped, and every change is reported', async () => {
  const a = await kit.instance();
  const { point, run, changes, stored } = kit.setup(2);
  point(a);
  const rows = Array.from({ length: 10 }, (_, i) => a.insert(record(`f-${i}`)));
  await run();
  // A bulk update: ten records in one second, five pages of two; each run has time for one page.
  kit.h.clock.advance(60_000);
  for (const r of rows) a.change(r.sys_id!, { state: '2' });
  for (let i = 0; i < 6; i++) await run(0);
  expect(changes()).toHaveLength(10);
  expect(await stored()).toMatchObject({ on: rows[9]!.sys_updated_on, id: rows[9]!.sys_id });
  expect(await stored()).not.toHaveProperty('resume');
  // Caught up, a run re-reads the look-back window first; one cut short there goes on through it
  // in the next run, and the change after it is still reached.
  a.change(rows[0]!.sys_id!, { state: '6' });
  for (let i = 0; i < 7; i++) await run(0);
  expect(changes()).toHaveLength(11);
});

test('two schedules of the tenant running at once over one destination: each change is reported once; the later run waits for its next due time', async () => {
  const a = await kit.instance();
  const { deps, point, runAs, changes } = kit.setup();
  const rows = Array.from({ length: 3 }, (_, i) => a.insert(record(`f-${i}`)));
  point(a);
  await runAs('fast');
  await runAs('slow');
  kit.h.clock.advance(60_000);
  for (const r of rows) a.change(r.sys_id!, { state: '2' });
  // Both due at the same tick: `fast` runs after `slow` read the first record's state, before it
  // records the change it saw there.
  const inner = deps.store;
  let during: unknown;
  deps.store = {
    ...inner,
    async get(key) {
      const item = await inner.get(key);
      if (during === undefined && isState(key)) {
        deps.store = inner;
        during = await runAs('fast');
      }
      return item;
    },
  };
  await runAs('slow');
  deps.store = inner;
  expect(changes()).toHaveLength(3);
  expect(during).toMatchObject({ busy: true, emitted: 0 });
  kit.h.clock.advance(60_000);
  a.change(rows[0]!.sys_id!, { state: '6' });
  expect(await runAs('fast')).toMatchObject({ emitted: 1 });
  expect(changes()).toHaveLength(4);
});

test('a run that died holding the destination holds it until its lease lapses', async () => {
  const a = await kit.instance();
  const { deps, point, runAs, changes } = kit.setup();
  deps.store = memoryStore(kit.h.clock);
  const row = a.insert(record('f-0'));
  point(a);
  await runAs('fast');
  kit.h.clock.advance(60_000);
  a.change(row.sys_id!, { state: '2' });
  await deps.store.put('servicenow-sync-run:default:snow', 'slow', { ttlSeconds: 300 });
  expect(await runAs('fast')).toMatchObject({ busy: true });
  kit.h.clock.advance(300_000);
  expect(await runAs('fast')).toMatchObject({ emitted: 1 });
  expect(changes()).toEqual([['f-0', '1', '2']]);
});

test('a run whose lease lapsed and was taken by another stops after its page and leaves the other\'s lease alone', async () => {
  const a = await kit.instance();
  const { deps, point, run } = kit.setup(2);
  Array.from({ length: 4 }, (_, i) => a.insert(record(`f-${i}`)));
  point(a);
  const inner = deps.store;
  const key = 'servicenow-sync-run:default:snow';
  let taken = false;
  deps.store = {
    ...inner,
    async get(k) {
      if (!taken && isState(k)) {
        taken = true;
        await inner.delete(key);
        await inner.put(key, 'other', { ifAbsent: true });
      }
      return inner.get(k);
    },
  };
  expect(await run()).toMatchObject({ records: 2, conflict: true });
  expect((await inner.get(key))?.value).toBe('other');
});
