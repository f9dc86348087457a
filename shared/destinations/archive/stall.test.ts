import { gunzipSync } from 'node:zlib';
import { testDeps } from '../../../test/deps';
import type { CloudEvent } from '../../events/cloudevent';
import { memoryObjects } from '../../objects/memory';
import type { ObjectStorage } from '../../ports';
import { archiveConfigs, destinations, flushArchive } from '..';

/**
 * A put that stalls past the flush lease (a network write that hangs, then lands): the next
 * flusher takes the lease over while the stalled write may still land. Whatever order the two
 * writes land in, each event must end up in exactly one object.
 */
const T0 = Date.parse('2026-03-31T22:10:00Z');
const FAR = Number.MAX_SAFE_INTEGER;

interface Stall {
  /** Resolves once the matching put has been called (and is held). */
  entered: Promise<void>;
  /** Lets the held put go on to the store. */
  release(): void;
}

/** Object storage whose next put holding a given event is held until released. */
function stallable(objects: ObjectStorage) {
  const armed: { holds: (ids: string[]) => boolean; entered: () => void; gate: Promise<void> }[] = [];
  const stalling: ObjectStorage = {
    ...objects,
    async put(bucket, key, body, opts) {
      const ids = gunzipSync(body).toString('utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as CloudEvent).id);
      const at = armed.findIndex((a) => a.holds(ids));
      if (at >= 0) {
        const [stall] = armed.splice(at, 1);
        stall!.entered();
        await stall!.gate;
      }
      return objects.put(bucket, key, body, opts);
    },
  };
  const stallPutOf = (id: string): Stall => {
    let entered!: () => void;
    let release!: () => void;
    const s = { entered: new Promise<void>((r) => (entered = r)), release: () => release() };
    armed.push({ holds: (ids) => ids.includes(id), entered, gate: new Promise<void>((r) => (release = r)) });
    return s;
  };
  return { stalling, stallPutOf };
}

function setup() {
  const t = testDeps({ destinations: { lake: { type: 'archive', bucket: 'secorch-archive' } } }, {}, T0);
  const store = memoryObjects(t.clock);
  const { stalling, stallPutOf } = stallable(store);
  t.deps.objects = stalling;
  const config = archiveConfigs(t.deps.config)[0]![1];
  const deliver = destinations(t.deps.config).get('lake')!;
  const flush = () => flushArchive('lake', config, t.deps, { deadline: FAR });
  const buffered = async () => (await t.deps.store.list('arc', { limit: 1000 })).items.map((i) => i.key);
  const written = () => [...(store.buckets.get('secorch-archive')?.values() ?? [])]
    .map((o) => gunzipSync(o.body).toString('utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as CloudEvent).id))
    .sort((a, b) => a.join().localeCompare(b.join()));
  return { ...t, deliver, flush, buffered, written, stallPutOf };
}

const event = (id: string): CloudEvent => ({
  specversion: '1.0', id, source: '/webhooks/github', type: 'secorch.webhook.received', time: '2026-03-31T22:01:00Z', data: { n: id },
});

test('a stalled put that lands after the next flusher took over: the next flusher writes the same batch to the same object, no event twice', async () => {
  const { deliver, deps, clock, flush, buffered, written, stallPutOf } = setup();
  for (const id of ['a', 'c']) await deliver(event(id), deps);
  const stalled = stallPutOf('a');
  const first = flush();
  await stalled.entered;
  // The lease runs out while the put hangs; an event joins the buffer between the batch's keys.
  clock.advance(301_000);
  await deliver(event('b'), deps);
  await flush();
  stalled.release();
  await first;
  // Before: the second flusher cut [a, b, c] under another name, and the stalled [a, c] landed beside it.
  expect(written()).toEqual([['a', 'c'], ['b']]);
  expect(await buffered()).toEqual([]);
});

test('a flusher whose lease was taken over stops: it neither drops the new flusher\'s journal nor cuts batches of its own', async () => {
  const { deliver, deps, clock, flush, buffered, written, stallPutOf } = setup();
  for (const id of ['a', 'c']) await deliver(event(id), deps);
  const first = stallPutOf('a');
  const stale = flush();
  await first.entered;
  clock.advance(301_000);
  await deliver(event('b'), deps);
  // The flusher that took over hangs on its next put in turn; one more event arrives meanwhile.
  const second = stallPutOf('b');
  const current = flush();
  await second.entered;
  await deliver(event('b2'), deps);
  first.release();
  const staleReport = await stale;
  second.release();
  await current;
  await flush();
  // Before: the stale flusher deleted the journal of the one that took over and wrote [b, b2]
  // while that one's [b] was still on its way.
  expect(written()).toEqual([['a', 'c'], ['b'], ['b2']]);
  expect(await buffered()).toEqual([]);
  expect(staleReport).toMatchObject({ leaseLost: true });
});
