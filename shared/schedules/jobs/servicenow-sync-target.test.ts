import { DIGEST_KEY, FROM_START, MOVED, queries, record, targetKit } from './servicenow-sync-target.testkit';

/** A servicenow-sync schedule whose destination is pointed at another instance or table (servicenow-sync-target.testkit.ts). */
const kit = targetKit();

test('moved to another instance: its records updated before the earlier cursor are listed from the first one and baselined', async () => {
  const [a, b] = [await kit.instance(), await kit.instance()];
  const { point, run, stored, shared, changes } = kit.setup();
  // B's records, long before A's: one New, one already In Progress. Two rows of someone else's
  // first, so that B's sys_ids are not A's (the fakes count them alike, as a clone would share them).
  b.insert({ correlation_id: 'x1', correlation_display: 'someone-else' });
  b.insert({ correlation_id: 'x2', correlation_display: 'someone-else' });
  const [b1, b2] = [b.insert(record('f-b1')), b.insert(record('f-b2'))];
  b.change(b2.sys_id!, { state: '2' });
  kit.h.clock.advance(600_000);
  a.insert(record('f-a1'));
  point(a);
  expect(await run()).toMatchObject({ records: 1, emitted: 0 });

  kit.h.clock.advance(600_000);
  point(b);
  expect(await run()).toMatchObject({ records: 2 });
  expect(queries(b)).toEqual([['incident', FROM_START]]);
  expect(kit.warnings()).toEqual([[MOVED, { schedule: 'snow-sync', before: `${a.vendor.url} table=incident`, now: `${b.vendor.url} table=incident` }]]);
  expect(await stored()).toEqual({ on: b2.sys_updated_on, id: b2.sys_id, target: `${b.vendor.url} table=incident`, epoch: (await shared()).epoch });
  // The first listing there is a baseline: B's In Progress record is recorded, not reported.
  expect(changes()).toEqual([]);

  // B's records are known now: their changes are reported from the states seen.
  kit.h.clock.advance(60_000);
  b.change(b1.sys_id!, { state: '2' });
  b.change(b2.sys_id!, { state: '3' });
  expect(await run()).toMatchObject({ emitted: 2 });
  expect(changes()).toEqual([['f-b1', '1', '2'], ['f-b2', '2', '3']]);
});

test('moved to another table: it is listed from its first record', async () => {
  const sn = await kit.instance();
  const { point, run, stored } = kit.setup();
  sn.insert(record('f-1'));
  point(sn, 'incident');
  await run();
  kit.h.clock.advance(600_000);
  point(sn, 'sn_si_incident');
  await run();
  expect(queries(sn).at(-1)).toEqual(['sn_si_incident', FROM_START]);
  expect(await stored()).toMatchObject({ target: `${sn.vendor.url} table=sn_si_incident` });
});

test('moved to an instance with no record yet: the new target is stored at once, so the next run does not start over again', async () => {
  const [a, b] = [await kit.instance(), await kit.instance()];
  const { point, run, stored, shared } = kit.setup();
  a.insert(record('f-a1'));
  point(a);
  await run();
  point(b);
  expect(await run()).toMatchObject({ records: 0 });
  expect(await stored()).toEqual({ target: `${b.vendor.url} table=incident`, epoch: (await shared()).epoch });
  kit.h.clock.advance(60_000);
  const b1 = b.insert(record('f-b1'));
  expect(await run()).toMatchObject({ records: 1 });
  expect(kit.warnings()).toHaveLength(1);
  expect(await stored()).toEqual({ on: b1.sys_updated_on, id: b1.sys_id, target: `${b.vendor.url} table=incident`, epoch: (await shared()).epoch });
});

test('moved to a clone (the same sys_ids): nothing is reported on first sight there, later changes from the clone\'s states, and the first instance\'s states are deleted', async () => {
  const [a, b] = [await kit.instance(), await kit.instance()];
  const { point, run, changes, keys } = kit.setup();
  // The clone copied the three records while all were New; on A they moved on since.
  const rows = [record('f-1'), record('f-2'), record('f-3')];
  const onA = rows.map((r) => a.insert(r));
  const onB = rows.map((r) => b.insert(r));
  expect(onB.map((r) => r.sys_id)).toEqual(onA.map((r) => r.sys_id));
  point(a);
  await run();
  kit.h.clock.advance(60_000);
  a.change(onA[0]!.sys_id!, { state: '2' });
  a.change(onA[1]!.sys_id!, { state: '6' });
  expect(await run()).toMatchObject({ emitted: 2 });
  // On B (after the copy): record 2 went In Progress, record 3 On Hold; record 1 is still New.
  b.change(onB[1]!.sys_id!, { state: '2' });
  b.change(onB[2]!.sys_id!, { state: '3' });

  kit.h.clock.advance(60_000);
  point(b);
  // A's In Progress and Resolved are not compared with B's New and In Progress: a first sight, recorded.
  expect(await run()).toMatchObject({ records: 3, emitted: 0 });
  expect(changes()).toEqual([['f-1', '1', '2'], ['f-2', '1', '6']]);

  kit.h.clock.advance(60_000);
  b.change(onB[0]!.sys_id!, { state: '2' });
  b.change(onB[1]!.sys_id!, { state: '6' });
  b.change(onB[2]!.sys_id!, { state: '2' });
  expect(await run()).toMatchObject({ emitted: 3 });
  expect(changes().slice(2)).toEqual([['f-1', '1', '2'], ['f-2', '2', '6'], ['f-3', '3', '2']]);
  // Only B's states are left.
  const left = await keys();
  expect(left).toHaveLength(3);
  expect(left.every((k) => DIGEST_KEY.test(k))).toBe(true);
});

test('the earlier instance\'s states are deleted after the listing, a batch at a time, as far as the deadline allows; back on it before, they are kept', async () => {
  const [a, b] = [await kit.instance(), await kit.instance()];
  const { deps, point, run, shared, changes, keys } = kit.setup();
  // More states than one write deletes (24 with the cursor).
  const onA = Array.from({ length: 30 }, (_, i) => a.insert(record(`f-a${i}`)));
  point(a);
  await run();
  expect(await keys()).toHaveLength(30);
  // B's records go past their New state before the move: first sight, in the baseline.
  b.insert(record('f-b1'));
  b.change('1'.padStart(32, '0'), { state: '2' });
  point(b);
  // A deadline already passed: B is listed (a run always makes progress) and the deletion waits.
  expect(await run(0)).toMatchObject({ records: 1, emitted: 0 });
  expect(await keys()).toHaveLength(31);
  expect(await shared()).toMatchObject({ retired: [expect.stringMatching(/^servicenow-sync:default@[0-9a-f]{16}:snow:$/)] });

  // Back on A before the deletion: its states are its own, so they stay and a change is
  // reported from them; B's are deleted.
  kit.h.clock.advance(60_000);
  a.change(onA[7]!.sys_id!, { state: '2' });
  point(a);
  expect(await run()).toMatchObject({ records: 30, emitted: 1 });
  expect(changes()).toEqual([['f-a7', '1', '2']]);
  expect(await keys()).toHaveLength(30);
  expect(await shared()).not.toHaveProperty('retired');

  // On B again, with time: A's 30 states go in two writes, each with the cursor.
  const writes = jest.spyOn(deps.store, 'putAll');
  point(b);
  await run();
  expect(writes.mock.calls.map(([w]) => [w.length, w.filter((x) => x.delete).length])).toEqual([[25, 24], [7, 6]]);
  expect(await keys()).toHaveLength(1);
  expect(await shared()).not.toHaveProperty('retired');
  expect(kit.h.logs.filter((l) => l.msg === 'servicenow-sync: the states of the earlier instance or table are deleted')).toHaveLength(2);
});

test('a baseline listing cut short by the deadline goes on as a baseline in the next run; once it ends, a record first seen past New is reported', async () => {
  const [a, b] = [await kit.instance(), await kit.instance()];
  const { point, run, shared, changes } = kit.setup(2);
  a.insert(record('f-a1'));
  point(a);
  await run();
  for (let i = 0; i < 3; i++) b.change(b.insert(record(`f-b${i}`)).sys_id!, { state: '2' });
  point(b);
  expect(await run(0)).toMatchObject({ records: 2, emitted: 0 });
  expect(await shared()).toMatchObject({ baseline: true });
  // The rest of the listing, from the record the cut-short run stopped at: still recorded, not reported.
  expect(await run()).toMatchObject({ records: 1, emitted: 0 });
  expect(await shared()).not.toHaveProperty('baseline');
  kit.h.clock.advance(60_000);
  b.change(b.insert(record('f-b3')).sys_id!, { state: '3' });
  expect(await run()).toMatchObject({ emitted: 1 });
  expect(changes()).toEqual([['f-b3', null, '3']]);
});
