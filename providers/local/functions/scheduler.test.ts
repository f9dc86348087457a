import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { ScheduledEvent } from 'aws-lambda';
import { destinations } from '../../../shared/destinations';
import type { CloudEvent } from '../../../shared/events/cloudevent';
import { testDeps } from '../../../test/deps';
import { fixtureJson } from '../../../test/fixtures';
import { dirObjects } from '../objects-dir';
import { localScheduler } from './scheduler';

/**
 * The local runtime end to end below serverless-offline: its schedule event (the EventBridge
 * shape with empty `resources`, see providers/aws/schedule.ts) ticks the scheduler, whose
 * archive-flush job writes to the local folder object store.
 */
const T0 = Date.parse('2026-05-01T09:00:00Z');
const offlineEvent = () => ({ ...fixtureJson<ScheduledEvent>('events/aws-eventbridge-scheduled-event.json'), resources: [] });
let root: string;
beforeEach(async () => void (root = await mkdtemp(join(tmpdir(), 'secorch-scheduler-'))));
afterEach(() => rm(root, { recursive: true, force: true }));

test("serverless-offline's schedule event runs the due archive-flush into a local folder", async () => {
  const { deps } = testDeps({
    destinations: { lake: { type: 'archive', bucket: 'archive' } },
    schedules: { flush: { everySeconds: 300, job: { type: 'archive-flush' } } },
  }, {}, T0);
  const objects = dirObjects({ root });
  deps.objects = objects;
  const event: CloudEvent = { specversion: '1.0', id: 'e1', source: '/webhooks/github', type: 'secorch.webhook.received', time: '2026-05-01T08:59:59Z', data: { ok: true } };
  await destinations(deps.config).get('lake')!(event, deps);

  const report = await localScheduler(async () => deps)(offlineEvent());
  expect(report).toMatchObject({ name: 'scheduler', ok: true, details: { schedules: { flush: { status: 'ran', due: '2026-05-01T09:00:00.000Z' } } } });
  const { items } = await objects.list('archive', 'events/');
  expect(items.map((i) => i.key)).toEqual([expect.stringMatching(/^events\/year=2026\/month=05\/day=01\/hour=08\/[0-9a-f]{32}\.jsonl\.gz$/)]);
  expect(items[0]).toMatchObject({ contentType: 'application/x-ndjson', contentEncoding: 'gzip' });
  expect(gunzipSync((await objects.get('archive', items[0]!.key))!).toString('utf8')).toBe(`${JSON.stringify(event)}\n`);
});

test('a flush that died after writing to the folder is completed by the next tick without a second object', async () => {
  const { deps, clock } = testDeps({
    destinations: { lake: { type: 'archive', bucket: 'archive' } },
    schedules: { flush: { everySeconds: 60, job: { type: 'archive-flush' } } },
  }, {}, T0);
  const objects = dirObjects({ root });
  deps.objects = objects;
  for (const id of ['a', 'b']) {
    await destinations(deps.config).get('lake')!({ specversion: '1.0', id, source: '/s', type: 't', time: '2026-05-01T08:30:00Z' }, deps);
  }
  // The process dies after the object write: its deletes (buffer, journal, lease) never happen.
  const realDelete = deps.store.delete.bind(deps.store);
  deps.store.delete = async (key) => {
    if (key.startsWith('arc')) throw new Error('process died (test)');
    return realDelete(key);
  };
  const tick = localScheduler(async () => deps);
  await expect(tick()).resolves.toMatchObject({ ok: false });
  deps.store.delete = realDelete;
  clock.advance(6 * 60_000);
  await expect(tick()).resolves.toMatchObject({ ok: true, details: { schedules: { flush: { result: { flushed: { lake: { objects: 0, recovered: 2 } } } } } } });
  expect((await objects.list('archive', '')).items).toHaveLength(1);
  expect((await deps.store.list('arc:', { limit: 10 })).items).toEqual([]);
});
