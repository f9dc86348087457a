import { DIGEST_KEY, EPOCH, queries, record, targetKit } from './servicenow-sync-target.testkit';

/**
 * A servicenow-sync schedule upgraded from a version that kept its per-record states under keys
 * without the instance and table (servicenow-sync-target.testkit.ts).
 */
const kit = targetKit();

test('a cursor stored before targets were recorded is taken to be of the configured instance and table: the listing goes on from it', async () => {
  const sn = await kit.instance();
  const { deps, point, run, stored, shared } = kit.setup();
  const r = sn.insert(record('f-1'));
  kit.h.clock.advance(600_000);
  await deps.store.put('servicenow-sync:snow-sync:cursor', JSON.stringify({ on: r.sys_updated_on, id: r.sys_id }));
  point(sn);
  await run();
  expect(queries(sn)[0]![1]).toContain('^sys_updated_on>=');
  expect(kit.warnings()).toEqual([]);
  expect(await shared()).toEqual({ target: `${sn.vendor.url} table=incident`, legacy: true, epoch: EPOCH });
  expect(await stored()).toEqual({ on: r.sys_updated_on, id: r.sys_id, target: `${sn.vendor.url} table=incident`, epoch: (await shared()).epoch });
});

test('upgraded from states stored before targets were recorded: nothing is baselined again, a later change is reported once, and a move deletes only those states', async () => {
  const [a, b] = [await kit.instance(), await kit.instance()];
  const { deps, point, run, stored, shared, changes, keys } = kit.setup();
  const [r1, r2] = [a.insert(record('f-1')), a.insert(record('f-2'))];
  kit.h.clock.advance(600_000);
  // As an earlier version left it: a cursor without its target, states keyed by tenant,
  // destination and sys_id. Beside them, states of another tenant and of a destination whose
  // name begins with this one's, which the schedule must never read or delete.
  await deps.store.put('servicenow-sync:snow-sync:cursor', JSON.stringify({ on: r2.sys_updated_on, id: r2.sys_id }));
  await deps.store.put(`servicenow-sync:default:snow:${r1.sys_id}`, '1');
  await deps.store.put(`servicenow-sync:default:snow:${r2.sys_id}`, '2');
  const foreign = [`servicenow-sync:acme:snow:${r1.sys_id}`, `servicenow-sync:default:snow:eu:${r1.sys_id}`];
  for (const k of foreign) await deps.store.put(k, '7');
  a.change(r2.sys_id!, { state: '6' });
  point(a);
  expect(await run()).toMatchObject({ emitted: 1 });
  expect(await run()).toMatchObject({ emitted: 0 });
  expect(changes()).toEqual([['f-2', '2', '6']]);
  expect(await stored()).toEqual({ on: r2.sys_updated_on, id: r2.sys_id, target: `${a.vendor.url} table=incident`, epoch: (await shared()).epoch });
  expect(await keys()).toEqual([...foreign, `servicenow-sync:default:snow:${r1.sys_id}`, `servicenow-sync:default:snow:${r2.sys_id}`].sort());

  // A cursor lost afterwards still finds those states: the listing starts over, a change is reported once.
  await deps.store.delete('servicenow-sync:snow-sync:cursor');
  kit.h.clock.advance(60_000);
  a.change(r1.sys_id!, { state: '2' });
  expect(await run()).toMatchObject({ records: 2, emitted: 1 });
  expect(changes()).toEqual([['f-2', '2', '6'], ['f-1', '1', '2']]);
  expect(await shared()).toMatchObject({ legacy: true });

  // Moved: the earlier states are deleted after the listing, the other tenant's and destination's stay.
  b.insert(record('f-b1'));
  point(b);
  await run();
  const left = await keys();
  expect(left.filter((k) => !foreign.includes(k))).toEqual([expect.stringMatching(DIGEST_KEY)]);
  expect(left.filter((k) => foreign.includes(k))).toEqual(foreign.sort());
  expect(await shared()).toEqual({ target: `${b.vendor.url} table=incident`, epoch: EPOCH });
  expect(await stored()).toEqual({ on: expect.any(String), id: '1'.padStart(32, '0'), target: `${b.vendor.url} table=incident`, epoch: (await shared()).epoch });
});

test('upgraded from a cursor that names its target but whose states are under the keys without one: they are read on, nothing is reported twice or from null', async () => {
  const sn = await kit.instance();
  const { deps, point, run, stored, shared, changes, keys } = kit.setup();
  const [r1, r2] = [sn.insert(record('f-1')), sn.insert(record('f-2'))];
  sn.change(r1.sys_id!, { state: '2' });
  kit.h.clock.advance(600_000);
  // As the version that recorded targets in the cursor, but not yet in the state keys, left it.
  const target = `${sn.vendor.url} table=incident`;
  await deps.store.put('servicenow-sync:snow-sync:cursor', JSON.stringify({ on: r2.sys_updated_on, id: r2.sys_id, target }));
  await deps.store.put(`servicenow-sync:default:snow:${r1.sys_id}`, '2');
  await deps.store.put(`servicenow-sync:default:snow:${r2.sys_id}`, '1');
  // Both records are read again: one edited without a change of state, one moved on.
  sn.change(r1.sys_id!, { short_description: 'edited' });
  sn.change(r2.sys_id!, { state: '3' });
  point(sn);
  expect(await run()).toMatchObject({ records: 2, emitted: 1 });
  expect(changes()).toEqual([['f-2', '1', '3']]);
  expect(await stored()).toEqual({ on: r2.sys_updated_on, id: r2.sys_id, target, epoch: (await shared()).epoch });
  expect(await shared()).toEqual({ target, legacy: true, epoch: EPOCH });
  expect(await keys()).toEqual([`servicenow-sync:default:snow:${r1.sys_id}`, `servicenow-sync:default:snow:${r2.sys_id}`]);
});

test('two schedules upgraded from cursors that each kept their own target: the second goes on from its own cursor in the states the first made shared, and earlier states it was still deleting are deleted', async () => {
  const sn = await kit.instance();
  const { deps, point, runAs, stored, shared, changes, keys } = kit.setup();
  const [r1, r2] = [sn.insert(record('f-1')), sn.insert(record('f-2'))];
  kit.h.clock.advance(600_000);
  const target = `${sn.vendor.url} table=incident`;
  // As the version before the target was shared left them: each cursor with its own fields, the
  // second still deleting the states of a target it left, the states shared under the keys without a target.
  const earlier = 'servicenow-sync:default@0123456789abcdef:snow:';
  await deps.store.put('servicenow-sync:fast:cursor', JSON.stringify({ on: r2.sys_updated_on, id: r2.sys_id, target }));
  await deps.store.put('servicenow-sync:slow:cursor', JSON.stringify({ on: r2.sys_updated_on, id: r2.sys_id, target, retired: [earlier] }));
  await deps.store.put(`servicenow-sync:default:snow:${r1.sys_id}`, '1');
  await deps.store.put(`servicenow-sync:default:snow:${r2.sys_id}`, '2');
  await deps.store.put(`${earlier}${r1.sys_id}`, '3');
  sn.change(r2.sys_id!, { state: '6' });
  point(sn);
  expect(await runAs('fast')).toMatchObject({ emitted: 1 });
  expect(await runAs('slow')).toMatchObject({ records: 2, emitted: 0 });
  expect(queries(sn).map(([, q]) => q).every((q) => q!.includes('^sys_updated_on>='))).toBe(true);
  expect(kit.warnings()).toEqual([]);
  expect(await shared()).toEqual({ target, legacy: true, epoch: EPOCH });
  expect(await stored('slow')).toEqual({ on: r2.sys_updated_on, id: r2.sys_id, target, epoch: (await shared()).epoch });
  expect(await keys()).toEqual([`servicenow-sync:default:snow:${r1.sys_id}`, `servicenow-sync:default:snow:${r2.sys_id}`]);

  kit.h.clock.advance(60_000);
  sn.change(r1.sys_id!, { state: '2' });
  await runAs('slow');
  await runAs('fast');
  expect(changes()).toEqual([['f-2', '2', '6'], ['f-1', '1', '2']]);
});
