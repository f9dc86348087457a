import { gunzipSync } from 'node:zlib';
import { testDeps } from '../../test/deps';
import { fixtureJson } from '../../test/fixtures';
import type { CloudEvent } from '../events/cloudevent';
import { memoryObjects } from '../objects/memory';
import type { StateStore } from '../ports';
import { archiveConfigs, destinations, flushArchive } from '.';

const T0 = Date.parse('2026-03-31T22:10:00Z');
const FAR = Number.MAX_SAFE_INTEGER;

function setup(maxEvents = 1000) {
  const t = testDeps({ destinations: { lake: { type: 'archive', bucket: 'secorch-archive', maxEvents } } }, {}, T0);
  const objects = memoryObjects(t.clock);
  t.deps.objects = objects;
  const [[, config]] = archiveConfigs(t.deps.config) as [[string, Parameters<typeof flushArchive>[1]]];
  const deliver = destinations(t.deps.config).get('lake')!;
  const bucket = () => objects.buckets.get('secorch-archive') ?? new Map();
  const buffered = async (store: StateStore = t.deps.store) => (await store.list('arc:lake:', { limit: 1000 })).items;
  return { ...t, objects, config, deliver, bucket, buffered, flush: () => flushArchive('lake', config, t.deps, { deadline: FAR }) };
}

// A real vendor payload as event data (GitHub's documented dependabot_alert example).
const payload = fixtureJson('events/github-dependabot_alert-created.payload.json');
const event = (id: string, time?: string): CloudEvent => ({
  specversion: '1.0', id, source: '/webhooks/github', type: 'secorch.finding.created', datacontenttype: 'application/json', data: payload, tenant: 'default', origin: 'webhook:github',
  ...(time ? { time } : {}),
});
const lines = (body: Uint8Array) => gunzipSync(body).toString('utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as CloudEvent);

test('events are buffered in the state store, not written, until a flush', async () => {
  const { deliver, deps, bucket, buffered } = setup();
  await deliver(event('a', '2026-03-31T22:05:00Z'), deps);
  expect(bucket().size).toBe(0);
  const items = await buffered();
  expect(items.map((i) => i.key)).toEqual([expect.stringMatching(/^arc:lake:2026033122:a:[0-9a-f]{12}$/)]);
  expect(JSON.parse(items[0]!.value)).toEqual(event('a', '2026-03-31T22:05:00Z'));
});

test('a flush writes one gzip JSON Lines object per hour across a day (and month) boundary, then empties the buffer', async () => {
  const { deliver, deps, bucket, buffered, flush } = setup();
  const sent = [
    event('e3', '2026-04-01T00:59:59Z'),
    event('e1', '2026-03-31T23:00:00Z'),
    event('e2', '2026-03-31T23:30:00+00:00'),
    // A local offset: partitioned by its UTC hour (2026-04-01T00:15Z).
    event('e4', '2026-04-01T02:15:00+02:00'),
  ];
  for (const e of sent) await deliver(e, deps);
  const report = await flush();
  expect(report).toEqual({ objects: 2, events: 4, recovered: 0 });
  const keys = [...bucket().keys()].sort();
  expect(keys).toEqual([
    expect.stringMatching(/^events\/year=2026\/month=03\/day=31\/hour=23\/[0-9a-f]{32}\.jsonl\.gz$/),
    expect.stringMatching(/^events\/year=2026\/month=04\/day=01\/hour=00\/[0-9a-f]{32}\.jsonl\.gz$/),
  ]);
  const [march, april] = keys.map((k) => bucket().get(k)!);
  expect(march!.info).toMatchObject({ contentType: 'application/x-ndjson', contentEncoding: 'gzip' });
  // Exactly the buffered events, in buffer order (hour, then event id), byte for byte as JSON.
  expect(lines(march!.body)).toEqual([sent[1], sent[2]]);
  expect(lines(april!.body)).toEqual([sent[0], sent[3]]);
  expect(await buffered()).toEqual([]);
  await expect(flush()).resolves.toEqual({ objects: 0, events: 0, recovered: 0 });
});

test('an event without time is partitioned by the buffer time', async () => {
  const { deliver, deps, clock, bucket, flush } = setup();
  clock.set(Date.parse('2026-03-31T23:59:00Z'));
  await deliver(event('untimed'), deps);
  await flush();
  expect([...bucket().keys()]).toEqual([expect.stringMatching(/\/year=2026\/month=03\/day=31\/hour=23\//)]);
});

test('a redelivered event is buffered once, with or without time, even across an hour boundary', async () => {
  const { deliver, deps, clock, bucket, buffered, flush } = setup();
  await deliver(event('dup', '2026-03-31T22:01:00Z'), deps);
  await deliver(event('dup', '2026-03-31T22:01:00Z'), deps);
  await deliver(event('untimed'), deps);
  clock.advance(3600_000);
  await deliver(event('untimed'), deps);
  expect((await buffered()).length).toBe(2);
  await flush();
  const written = [...bucket().values()].flatMap((o) => lines(o.body).map((e) => e.id));
  expect(written.sort()).toEqual(['dup', 'untimed']);
  // The time-less event's hour pin is removed with it.
  expect((await deps.store.list('arcx:', { limit: 10 })).items).toEqual([]);
});

test('same id from two sources: two events', async () => {
  const { deliver, deps, buffered } = setup();
  await deliver(event('same', '2026-03-31T22:01:00Z'), deps);
  await deliver({ ...event('same', '2026-03-31T22:01:00Z'), source: '/webhooks/okta' }, deps);
  expect((await buffered()).length).toBe(2);
});

test('same source and id from two tenants: two events, both archived (one tenant cannot suppress another\'s)', async () => {
  const { deliver, deps, buffered, bucket, flush } = setup();
  await deliver({ ...event('same', '2026-03-31T22:01:00Z'), tenant: 'globex' }, deps);
  await deliver({ ...event('same', '2026-03-31T22:01:00Z'), tenant: 'acme' }, deps);
  await deliver({ ...event('untimed'), tenant: 'globex' }, deps);
  await deliver({ ...event('untimed'), tenant: 'acme' }, deps);
  expect((await buffered()).length).toBe(4);
  await flush();
  const written = [...bucket().values()].flatMap((o) => lines(o.body).map((e) => `${e.tenant}/${e.id}`));
  expect(written.sort()).toEqual(['acme/same', 'acme/untimed', 'globex/same', 'globex/untimed']);
  expect(await buffered()).toEqual([]);
  expect((await deps.store.list('arcx:', { limit: 10 })).items).toEqual([]);
});

test('a prefix without a trailing slash is a folder: the partitions stay Hive partitions (year=, not eventsyear=)', async () => {
  const t = testDeps({ destinations: { lake: { type: 'archive', bucket: 'secorch-archive', prefix: 'security/events' } } }, {}, T0);
  const objects = memoryObjects(t.clock);
  t.deps.objects = objects;
  await destinations(t.deps.config).get('lake')!(event('a', '2026-03-31T22:05:00Z'), t.deps);
  const [[, config]] = archiveConfigs(t.deps.config) as [[string, Parameters<typeof flushArchive>[1]]];
  await flushArchive('lake', config, t.deps, { deadline: FAR });
  expect([...objects.buckets.get('secorch-archive')!.keys()]).toEqual([
    expect.stringMatching(/^security\/events\/year=2026\/month=03\/day=31\/hour=22\/[0-9a-f]{32}\.jsonl\.gz$/),
  ]);
});

test('reaching maxEvents flushes inline, from the delivery that fills the buffer', async () => {
  const { deliver, deps, bucket, buffered } = setup(3);
  await deliver(event('a', '2026-03-31T22:01:00Z'), deps);
  await deliver(event('b', '2026-03-31T22:02:00Z'), deps);
  expect(bucket().size).toBe(0);
  await deliver(event('c', '2026-03-31T22:03:00Z'), deps);
  expect(bucket().size).toBe(1);
  expect(lines([...bucket().values()][0]!.body).map((e) => e.id)).toEqual(['a', 'b', 'c']);
  expect(await buffered()).toEqual([]);
});

test('a flush writes at most maxEvents events per object', async () => {
  const { deps, bucket, config, buffered } = setup(1000);
  for (const id of ['a', 'b', 'c', 'd', 'e']) await destinations(deps.config).get('lake')!(event(id, '2026-03-31T22:01:00Z'), deps);
  const report = await flushArchive('lake', { ...config, maxEvents: 2 }, deps, { deadline: FAR });
  expect(report).toMatchObject({ objects: 3, events: 5 });
  expect([...bucket().values()].map((o) => lines(o.body).map((e) => e.id)).sort()).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  expect(await buffered()).toEqual([]);
});
