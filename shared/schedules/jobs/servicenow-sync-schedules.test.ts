import { apartFromLease, record, targetKit } from './servicenow-sync-target.testkit';

/**
 * Two servicenow-sync schedules of one tenant reading one destination (`fast` and `slow`): they
 * share the last state seen per record, so each change is reported once for the tenant, by
 * whichever schedule reads it first. The destination is pointed at other instances between
 * their runs (servicenow-sync-target.testkit.ts).
 */
const kit = targetKit();

test('pointed away and back between the two schedules\' runs: an unchanged record is not reported from null, and a later change is reported once, from the state seen', async () => {
  const [a, b] = [await kit.instance(), await kit.instance()];
  const { point, runAs, changes } = kit.setup();
  const r1 = a.insert(record('f-1'));
  point(a);
  await runAs('fast');
  await runAs('slow');
  kit.h.clock.advance(60_000);
  a.change(r1.sys_id!, { state: '2' });
  expect(await runAs('fast')).toMatchObject({ emitted: 1 });
  expect(await runAs('slow')).toMatchObject({ emitted: 0 });

  // `fast` runs while the destination names B (A's states are deleted after its listing) ...
  b.insert(record('f-b1'));
  kit.h.clock.advance(60_000);
  point(b);
  await runAs('fast');
  // ... and `slow` only once it names A again, where the record was edited without a change of state.
  point(a);
  kit.h.clock.advance(60_000);
  a.change(r1.sys_id!, { short_description: 'edited, same state' });
  expect(await runAs('slow')).toMatchObject({ emitted: 0 });
  expect(await runAs('fast')).toMatchObject({ emitted: 0 });
  expect(changes()).toEqual([['f-1', '1', '2']]);

  kit.h.clock.advance(60_000);
  a.change(r1.sys_id!, { state: '3' });
  await runAs('fast');
  await runAs('slow');
  expect(changes()).toEqual([['f-1', '1', '2'], ['f-1', '2', '3']]);
});

test('one schedule back on the earlier instance is still listing it again when the other runs: records it has not reached are not reported from null', async () => {
  const [a, b] = [await kit.instance(), await kit.instance()];
  const { point, runAs, changes } = kit.setup(2);
  const rows = Array.from({ length: 4 }, (_, i) => a.insert(record(`f-${i}`)));
  point(a);
  await runAs('fast');
  await runAs('slow');
  kit.h.clock.advance(60_000);
  for (const r of rows) a.change(r.sys_id!, { state: '2' });
  await runAs('fast');
  await runAs('slow');
  expect(changes()).toHaveLength(4);

  kit.h.clock.advance(60_000);
  point(b);
  await runAs('fast');
  point(a);
  // Back on A, `fast` lists it again from its first record, cut short by its deadline after one page.
  expect(await runAs('fast', 0)).toMatchObject({ records: 2, emitted: 0 });
  kit.h.clock.advance(60_000);
  for (const r of rows) a.change(r.sys_id!, { short_description: 'edited, same state' });
  await runAs('slow');
  await runAs('fast');
  expect(changes()).toHaveLength(4);

  kit.h.clock.advance(60_000);
  a.change(rows[3]!.sys_id!, { state: '6' });
  await runAs('slow');
  await runAs('fast');
  expect(changes().slice(4)).toEqual([['f-3', '2', '6']]);
});

test('the second schedule to reach a new instance does not list it as a baseline again: a record first seen past New after the first one\'s listing is reported', async () => {
  const [a, b] = [await kit.instance(), await kit.instance()];
  const { point, runAs, changes } = kit.setup();
  a.insert(record('f-a1'));
  b.insert(record('f-b1'));
  point(a);
  await runAs('fast');
  await runAs('slow');

  kit.h.clock.advance(60_000);
  point(b);
  // `fast` records B's states without reporting them and reaches B's last record.
  expect(await runAs('fast')).toMatchObject({ records: 1, emitted: 0 });
  kit.h.clock.advance(60_000);
  b.change(b.insert(record('f-b2')).sys_id!, { state: '3' });
  expect(await runAs('slow')).toMatchObject({ emitted: 1 });
  expect(await runAs('fast')).toMatchObject({ emitted: 0 });
  expect(changes()).toEqual([['f-b2', null, '3']]);
});

test('the states moved back to an instance while the other schedule is deleting them there: the deletion stops, and none of them is lost', async () => {
  const [a, b] = [await kit.instance(), await kit.instance()];
  const { deps, point, runAs, shared, changes, keys } = kit.setup();
  const rows = Array.from({ length: 30 }, (_, i) => a.insert(record(`f-${i}`)));
  point(a);
  await runAs('fast');
  await runAs('slow');
  kit.h.clock.advance(60_000);
  for (const r of rows) a.change(r.sys_id!, { state: '2' });
  await runAs('fast');
  const onA = await keys();
  const prefixOfA = onA[0]!.slice(0, -32);
  expect(changes()).toHaveLength(30);

  // `fast` lists B and then deletes A's states; as it lists the first batch of them, `slow` runs
  // on a configuration that names A again (the states move back there) and ends first.
  b.insert(record('f-b1'));
  point(b);
  const inner = deps.store;
  let interfered = false;
  deps.store = {
    ...inner,
    async list(prefix, opts) {
      if (prefix === prefixOfA && !interfered) {
        interfered = true;
        point(a);
        const outer = deps.store;
        deps.store = apartFromLease(inner);
        expect(await runAs('slow')).toMatchObject({ records: 30, emitted: 0 });
        deps.store = outer;
      }
      return inner.list(prefix, opts);
    },
  };
  await runAs('fast');
  expect(interfered).toBe(true);
  expect(await shared()).toMatchObject({ target: `${a.vendor.url} table=incident` });
  expect(await keys()).toEqual(onA);

  // A change on A is reported once, from the state seen before.
  kit.h.clock.advance(60_000);
  a.change(rows[29]!.sys_id!, { state: '6' });
  await runAs('fast');
  await runAs('slow');
  expect(changes().slice(30)).toEqual([['f-29', '2', '6']]);
});
