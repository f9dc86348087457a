import { gunzipSync } from 'node:zlib';
import { testDeps } from '../../../test/deps';
import { isAppError } from '../../errors';
import type { CloudEvent } from '../../events/cloudevent';
import { memoryObjects } from '../../objects/memory';
import type { ObjectStorage, StateStore } from '../../ports';
import { archiveConfigs, destinations, flushArchive } from '..';
import { MAX_JOURNAL_BYTES } from './flush';

const T0 = Date.parse('2026-03-31T22:10:00Z');
const FAR = Number.MAX_SAFE_INTEGER;

/** A store whose deletes of archive keys fail while `crashing` is set: a flusher dying after its object write (its lease stays too). */
function crashable(store: StateStore) {
  const s = { crashing: false, store: { ...store } as StateStore };
  s.store.delete = async (key) => {
    if (s.crashing && key.startsWith('arc')) throw new Error('process died (test)');
    return store.delete(key);
  };
  return s;
}

function setup(objects?: (clock: { now(): number }) => ObjectStorage) {
  const t = testDeps({ destinations: { lake: { type: 'archive', bucket: 'secorch-archive' } } }, {}, T0);
  const crash = crashable(t.deps.store);
  t.deps.store = crash.store;
  const store = memoryObjects(t.clock);
  t.deps.objects = objects ? objects(t.clock) : store;
  const config = archiveConfigs(t.deps.config)[0]![1];
  const deliver = destinations(t.deps.config).get('lake')!;
  const flush = () => flushArchive('lake', config, t.deps, { deadline: FAR });
  const buffered = async () => (await t.deps.store.list('arc:lake:', { limit: 1000 })).items.map((i) => i.key);
  const written = () => [...(store.buckets.get('secorch-archive')?.values() ?? [])].map((o) => gunzipSync(o.body).toString('utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as CloudEvent).id));
  return { ...t, crash, store, config, deliver, flush, buffered, written };
}

const event = (id: string, minute = 1): CloudEvent => ({
  specversion: '1.0', id, source: '/webhooks/github', type: 'secorch.webhook.received', time: `2026-03-31T22:${String(minute).padStart(2, '0')}:00Z`, data: { n: id },
});

test('a flush interrupted after the object write, retried: no second object, the buffer ends empty', async () => {
  const { deliver, deps, crash, flush, buffered, written, clock } = setup();
  for (const id of ['a', 'b', 'c']) await deliver(event(id), deps);
  crash.crashing = true;
  await expect(flush()).rejects.toThrow('process died');
  expect(written()).toEqual([['a', 'b', 'c']]);
  expect((await buffered()).length).toBe(3);
  crash.crashing = false;
  // The dead flusher's lease stays until it expires.
  await expect(flush()).resolves.toMatchObject({ busy: true });
  clock.advance(301_000);
  await expect(flush()).resolves.toEqual({ objects: 0, events: 0, recovered: 3 });
  expect(written()).toEqual([['a', 'b', 'c']]);
  expect(await buffered()).toEqual([]);
});

test('recovery removes exactly the events of the written object, not events buffered after it', async () => {
  const { deliver, deps, crash, flush, buffered, written, clock } = setup();
  for (const id of ['a', 'c']) await deliver(event(id), deps);
  crash.crashing = true;
  await expect(flush()).rejects.toThrow('process died');
  crash.crashing = false;
  // Arrives after the write and sorts between the batch's first and last keys.
  await deliver(event('b'), deps);
  clock.advance(301_000);
  await expect(flush()).resolves.toEqual({ objects: 1, events: 1, recovered: 2 });
  expect(written().sort()).toEqual([['a', 'c'], ['b']]);
  expect(await buffered()).toEqual([]);
});

test('a batch found already written (no journal: a flusher whose lease expired) is not written twice', async () => {
  const { deliver, deps, crash, flush, buffered, written, clock } = setup();
  for (const id of ['a', 'b']) await deliver(event(id), deps);
  crash.crashing = true;
  await expect(flush()).rejects.toThrow('process died');
  crash.crashing = false;
  await deps.store.delete('arcj:lake');
  clock.advance(301_000);
  await expect(flush()).resolves.toEqual({ objects: 1, events: 2, recovered: 0 });
  expect(written()).toEqual([['a', 'b']]);
  expect(await buffered()).toEqual([]);
});

test('a batch is bounded in bytes as well as in events: large events are split over several objects, none lost', async () => {
  const { deliver, deps, config, buffered, written } = setup();
  // Five events of about 40 KB each against a 100 KB budget: at most two per object, not all five in memory at once.
  const big = (id: string): CloudEvent => ({ ...event(id), data: { n: id, blob: 'x'.repeat(40_000) } });
  for (const id of ['a', 'b', 'c', 'd', 'e']) await deliver(big(id), deps);
  const report = await flushArchive('lake', config, deps, { deadline: FAR, maxBytes: 100_000 });
  expect(report).toEqual({ objects: 3, events: 5, recovered: 0 });
  expect(written().sort()).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  expect(await buffered()).toEqual([]);
});

test('an event larger than the byte budget still goes out, alone in its object', async () => {
  const { deliver, deps, config, buffered, written } = setup();
  await deliver({ ...event('huge'), data: { blob: 'x'.repeat(50_000) } }, deps);
  await deliver(event('small', 2), deps);
  await expect(flushArchive('lake', config, deps, { deadline: FAR, maxBytes: 10_000 })).resolves.toMatchObject({ objects: 2, events: 2 });
  expect(written().sort()).toEqual([['huge'], ['small']]);
  expect(await buffered()).toEqual([]);
});

test('one flusher at a time: a second one while the lease is held returns busy and writes nothing', async () => {
  const { deliver, deps, flush, written } = setup();
  await deliver(event('a'), deps);
  await deps.store.put('arcl:lake', 'someone-else', { ifAbsent: true, ttlSeconds: 300 });
  await expect(flush()).resolves.toMatchObject({ busy: true, objects: 0 });
  expect(written()).toEqual([]);
});

test('a flush stops at its deadline and leaves the rest buffered', async () => {
  const { deliver, deps, config, buffered } = setup();
  await deliver(event('a'), deps);
  const report = await flushArchive('lake', config, deps, { deadline: deps.clock.now() });
  expect(report).toMatchObject({ objects: 0, stoppedEarly: true });
  expect((await buffered()).length).toBe(1);
});

test('without deps.objects: destination_unavailable, nothing buffered, the missing port logged', async () => {
  const { deliver, deps, config, buffered } = setup();
  delete deps.objects;
  const logged: unknown[] = [];
  deps.logger = { ...deps.logger, error: (msg, fields) => void logged.push({ msg, fields }) };
  const error = await deliver(event('a'), deps).catch((e: unknown) => e);
  expect(isAppError(error) && { code: error.code, status: error.status, retryable: error.retryable }).toEqual({ code: 'destination_unavailable', status: 503, retryable: true });
  expect(await buffered()).toEqual([]);
  expect(logged).toEqual([{ msg: 'archive destination has no object storage', fields: expect.objectContaining({ destination: 'lake', missing: 'deps.objects' }) }]);
  await expect(flushArchive('lake', config, deps, { deadline: FAR })).rejects.toMatchObject({ code: 'destination_unavailable' });
});

test('a batch is bounded by its journal too: the buffered keys it records stay within one store item', async () => {
  const { deps, config, buffered, written } = setup();
  // The longest keys the layout keeps as they are: ids and tenants of 128 characters.
  const long = (n: number): CloudEvent => ({ ...event(`${String(n).padStart(4, '0')}-${'i'.repeat(123)}`), tenant: 't'.repeat(128) });
  for (let n = 0; n < 1000; n++) await destinations(deps.config).get('lake')!(long(n), deps);
  const journals: number[] = [];
  const putAll = deps.store.putAll.bind(deps.store);
  deps.store.putAll = async (writes) => {
    for (const w of writes) if (w.key === 'arcj:lake' && !w.delete) journals.push(Buffer.byteLength(w.value, 'utf8'));
    return putAll(writes);
  };
  const report = await flushArchive('lake', config, deps, { deadline: FAR });
  expect(report).toEqual({ objects: 2, events: 1000, recovered: 0 });
  expect(journals).toHaveLength(2);
  for (const bytes of journals) expect(bytes).toBeLessThanOrEqual(MAX_JOURNAL_BYTES);
  expect(written().flat()).toHaveLength(1000);
  expect(await buffered()).toEqual([]);
});

test('a journal of an earlier version (no keys) whose object was never written is dropped; its events go out in the next batch', async () => {
  const { deliver, deps, flush, buffered, written } = setup();
  await deliver(event('a'), deps);
  await deps.store.put('arcj:lake', JSON.stringify({ bucket: 'secorch-archive', key: 'year=2026/month=03/day=31/hour=22/0.jsonl.gz', hour: '2026033122' }));
  await expect(flush()).resolves.toEqual({ objects: 1, events: 1, recovered: 0 });
  expect(written()).toEqual([['a']]);
  expect(await buffered()).toEqual([]);
  expect(await deps.store.get('arcj:lake')).toBeUndefined();
});
