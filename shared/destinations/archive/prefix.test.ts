import { testDeps } from '../../../test/deps';
import type { CloudEvent } from '../../events/cloudevent';
import { memoryObjects } from '../../objects/memory';
import { archiveConfigs, destinations, flushArchive } from '..';

const T0 = Date.parse('2026-03-31T22:10:00Z');
const event: CloudEvent = { specversion: '1.0', id: 'a', source: '/webhooks/github', type: 't', time: '2026-03-31T22:01:00Z', data: {} };

function setup(prefix: string) {
  // compileConfig refuses a bad prefix at start-up (shared/config/compile.test.ts); set here past
  // it, as a configuration built in code would, to reach the checks at delivery and flush.
  const t = testDeps({ destinations: { lake: { type: 'archive', bucket: 'secorch-archive', prefix: 'checked-later' } } }, {}, T0);
  (t.deps.config.destinations.lake as { prefix: string }).prefix = prefix;
  const objects = memoryObjects(t.clock);
  t.deps.objects = objects;
  const config = archiveConfigs(t.deps.config)[0]![1];
  const deliver = destinations(t.deps.config).get('lake')!;
  const flush = () => flushArchive('lake', config, t.deps, { deadline: Number.MAX_SAFE_INTEGER });
  const keys = () => [...(objects.buckets.get('secorch-archive')?.keys() ?? [])];
  const buffered = async () => (await t.deps.store.list('arc:lake:', { limit: 10 })).items.length;
  return { ...t, deliver, flush, keys, buffered };
}

/** Three folders of 254 bytes of UTF-8 (255 with their slash): a fourth of 183 bytes makes the longest prefix, 948 bytes. */
const FOLDERS = `${'é'.repeat(127)}/`.repeat(3);

/**
 * A prefix that no store can hold the same way ('..' and '.' segments are resolved by Azure's URL
 * handling and refused by the local folder, '//' and a leading '/' give empty segments, a folder
 * name past 255 bytes is refused by the local folder, a key past 1024 bytes by S3 and GCS) used to
 * be taken as is: events were buffered, and every flush then failed on (or wrote somewhere else
 * than) the same first batch, so the buffer only grew.
 */
test.each([
  ['a ".." segment', '../escape'],
  ['a "." segment', 'events/./x'],
  ['an empty segment', '/events'],
  ['an empty segment', 'events//x'],
  ['a backslash', 'events\\x'],
  ['a control character', 'events\u0000x'],
  ['ends with a dot', 'events./x'],
  ['longer than 255 bytes', `events/${'é'.repeat(128)}/x`],
  ['longer than 1024 bytes', `${FOLDERS}${'é'.repeat(92)}`],
])('bad prefix %#, %s: invalid_config on delivery and flush, nothing buffered or written', async (why, prefix) => {
  const { deliver, deps, flush, keys, buffered } = setup(prefix);
  await expect(deliver(event, deps)).rejects.toMatchObject({ code: 'invalid_config', retryable: false, message: expect.stringContaining(why) });
  expect(await buffered()).toBe(0);
  await expect(flush()).rejects.toMatchObject({ code: 'invalid_config' });
  expect(keys()).toEqual([]);
});

test.each(['', 'events', 'events/', 'security/events/', `${'é'.repeat(127)}x`, `${FOLDERS}${'é'.repeat(91)}x`])('good prefix %#: written, and the object key fits in 1024 bytes of UTF-8', async (prefix) => {
  const { deliver, deps, flush, keys } = setup(prefix);
  await deliver(event, deps);
  await expect(flush()).resolves.toMatchObject({ objects: 1, events: 1 });
  const [key] = keys();
  expect(key).toMatch(/^(.+\/)?year=2026\/month=03\/day=31\/hour=22\/[0-9a-f]{32}\.jsonl\.gz$/);
  expect(Buffer.byteLength(key!, 'utf8')).toBeLessThanOrEqual(1024);
});
